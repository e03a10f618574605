#!/usr/bin/env bash
# Bulk-load a partykg release into a triple store with the store's own loader,
# for releases too large for `partykg load` over HTTP. Each recipe ends by
# counting the triples of every partykg graph in the store.
#
#   scripts/bulk-load.sh oxigraph DB_DIR    [DUMP]   # `oxigraph load`, then `oxigraph serve --location DB_DIR`
#   scripts/bulk-load.sh virtuoso ISQL_PORT [DUMP]   # ld_dir + rdf_loader_run through isql-vt
#   scripts/bulk-load.sh tdb2     DB_DIR    [DUMP]   # Apache Jena tdb2.tdbloader (Debian libapache-jena-java)
#
# DUMP defaults to out/release/partykg-<version>/partykg.nq. For Virtuoso the
# dump's folder must be listed in DirsAllowed of virtuoso.ini; the account is
# $VIRTUOSO_USER/$VIRTUOSO_PASSWORD (default dba/dba). isql-vt exits 0 even when
# a statement fails, so the recipe checks DB.DBA.load_list itself and fails
# when a file did not load.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
store=$1; where=$2
py=.venv/bin/python; [ -x "$py" ] || py=python3
dump=${3:-$($py -c 'import partykg; print(f"out/release/partykg-{partykg.__version__}/partykg.nq")')}
[ -f "$dump" ] || { echo "bulk-load: no dump at $dump (run: partykg release)" >&2; exit 2; }
dump=$(realpath "$dump")
count_query='SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "https://w3id.org/partykg/")) } GROUP BY ?g ORDER BY ?g'

case $store in
  oxigraph)
    ox=$(command -v oxigraph || echo .venv/bin/oxigraph)
    "$ox" load --location "$where" --file "$dump"
    "$ox" query --location "$where" --query "$count_query" --results-format csv
    ;;
  virtuoso)
    user=${VIRTUOSO_USER:-dba}; password=${VIRTUOSO_PASSWORD:-dba}
    isql() { isql-vt "127.0.0.1:$where" "$user" "$password" VERBOSE=OFF BANNER=OFF PROMPT=OFF \
               ERRORS=STDOUT "EXEC=$1"; }
    out=$(isql "DELETE FROM DB.DBA.load_list WHERE ll_file = '$dump'; ld_dir('$(dirname "$dump")', '$(basename "$dump")', 'https://w3id.org/partykg/graph/unnamed'); rdf_loader_run(); checkpoint;")
    if grep -q '\*\*\* Error' <<<"$out"; then echo "$out" >&2; exit 1; fi
    state=$(isql "SELECT ll_state, ll_error FROM DB.DBA.load_list WHERE ll_file = '$dump';")
    if ! grep -Eq '^\s*2\s+NULL\s*$' <<<"$state"; then
      echo "bulk-load: Virtuoso did not load $dump: $state" >&2; exit 1
    fi
    isql "SPARQL $count_query;"
    ;;
  tdb2)
    # Debian's Jena needs a classpath built from dpkg: tests/support/jena.py builds it
    cp=$(PYTHONPATH="$PWD/tests" $py -c 'from support.jena import classpath; print(classpath())')
    java -cp "$cp" tdb2.tdbloader --loc "$where" "$dump"
    java -cp "$cp" tdb2.tdbquery --loc "$where" --results=CSV "$count_query"
    ;;
  *) usage ;;
esac
