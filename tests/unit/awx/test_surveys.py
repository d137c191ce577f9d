# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWX survey specs in awx/surveys/ match the collection playbooks they are written for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

COLLECTION = Path(os.path.abspath(__file__)).parents[3]
SURVEYS = sorted((COLLECTION / "awx" / "surveys").glob("*.yml"))
TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def playbook_vars(survey_path):
    plays = yaml.safe_load((COLLECTION / "playbooks" / survey_path.name).read_text(encoding="utf-8"))
    return plays[0]["vars"]


def test_every_survey_has_its_playbook():
    assert SURVEYS, "no survey in awx/surveys/"
    for path in SURVEYS:
        assert (COLLECTION / "playbooks" / path.name).is_file(), "%s has no playbooks/%s" % (path, path.name)


@pytest.mark.parametrize("path", SURVEYS, ids=lambda p: p.name)
def test_survey_matches_the_playbook_variables(path):
    survey = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(survey) == {"name", "description", "spec"}
    variables = playbook_vars(path)
    public = set(name for name in variables if "__" not in name)
    asked = [question["variable"] for question in survey["spec"]]
    assert sorted(asked) == sorted(public), "the survey asks exactly the playbook's public variables"
    assert survey["spec"], "the survey asks questions"
    for question in survey["spec"]:
        assert question["type"] in TYPES and question["question_name"] and isinstance(question["required"], bool)
        default = variables[question["variable"]]
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"]
            # survey answers are strings: the playbook's default must read the same as the survey's
            assert str(default).lower() == str(question["default"]).lower()
        elif question["type"] == "integer":
            assert question["min"] <= question["default"] <= question["max"] and default == question["default"]
        elif question["type"] == "textarea":
            assert question["default"] == "" and default in ([], "")
        else:
            assert default == question["default"]
