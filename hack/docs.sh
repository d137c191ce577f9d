#!/usr/bin/env bash
# Lint the collection's documentation, and build its HTML documentation site with antsibull-docs, offline.
#
#   hack/docs.sh lint  VENV_DIR SOURCE_TREE
#   hack/docs.sh build VENV_DIR SOURCE_TREE [DEST_DIR]
#
# VENV_DIR     venv with ansible-core, antsibull-docs, sphinx and sphinx-ansible-theme (make's .venv)
# SOURCE_TREE  the synced copy .build/collections/ansible_collections/NS/NAME (ansible-doc and antsibull-docs
#              find the collection through ANSIBLE_COLLECTIONS_PATH = the folder holding ansible_collections/)
# DEST_DIR     where the Sphinx project is created (default: .build/docs next to this script's checkout);
#              the site ends up in DEST_DIR/build/html/index.html
#
# lint:  antsibull-docs lint-collection-docs --plugin-docs (plugin documentation, semantic markup, the guides
#        of docs/docsite/ and their references).
# build: lint, then `antsibull-docs sphinx-init`, made offline (no intersphinx inventories to download, so the
#        references into docs.ansible.com that they would resolve are not warned about), then its build.sh,
#        which runs sphinx-build with warnings as errors.
set -euo pipefail

usage() { echo "usage: hack/docs.sh {lint|build} VENV_DIR SOURCE_TREE [DEST_DIR]" >&2; exit 2; }
[ $# -ge 3 ] || usage
action=$1
venv=$(cd "$2" && pwd)
tree=$(cd "$3" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${4:-$root/.build/docs}

collections=$(cd "$tree/../../.." && pwd)
[ "$(basename "$collections/ansible_collections")" = ansible_collections ] && [ -d "$collections/ansible_collections" ] || {
    echo "docs: $tree is not inside a .../ansible_collections/NAMESPACE/NAME tree" >&2; exit 2; }
namespace=$(sed -n 's/^namespace:[[:space:]]*//p' "$tree/galaxy.yml")
name=$(sed -n 's/^name:[[:space:]]*//p' "$tree/galaxy.yml")

export ANSIBLE_COLLECTIONS_PATH="$collections"
export PATH="$venv/bin:$PATH"
# Ansible's own files (tmp, caches) stay out of the user's home unless the caller chose a place.
export ANSIBLE_HOME="${ANSIBLE_HOME:-$root/.build/ansible-home}"

step() { printf -- '--- docs: %s\n' "$*"; }

lint() {
    step "antsibull-docs lint-collection-docs --plugin-docs ($namespace.$name)"
    (cd "$tree" && antsibull-docs lint-collection-docs --plugin-docs .)
}

build() {
    if ! python -c 'import sphinx, sphinx_ansible_theme' 2>/dev/null; then
        echo "docs: sphinx and sphinx-ansible-theme are needed in $venv (requirements-dev.txt pins them)" >&2
        exit 1
    fi
    step "antsibull-docs sphinx-init into ${dest#"$root"/}"
    rm -rf "$dest"
    mkdir -p "$dest"
    # The footer names the collection's maintainers (galaxy.yml's first author), not "Ansible contributors".
    maintainers=$(sed -n '/^authors:/,/^[a-z]/s/^[[:space:]]*-[[:space:]]*//p' "$tree/galaxy.yml" | head -n 1)
    antsibull-docs sphinx-init --use-current --dest-dir "$dest" --project "$namespace.$name" \
        --copyright "${maintainers:?galaxy.yml names no author}" --title "$namespace.$name" "$namespace.$name" >/dev/null
    # Offline: no intersphinx inventories, and the ref.ref/ref.envvar warnings of links into
    # docs.ansible.com (common return values, ansible-core settings) that only they would resolve.
    cat >> "$dest/conf.py" <<EOF

# --- added by hack/docs.sh: build offline -------------------------------------------------------
intersphinx_mapping = {}
suppress_warnings = ['ref.ref', 'ref.envvar']
EOF
    step "build.sh (sphinx-build -W)"
    "$dest/build.sh"
    step "site: $dest/build/html/index.html"
}

case "$action" in
    lint) lint ;;
    build) lint; build ;;
    *) usage ;;
esac
