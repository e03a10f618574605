"""Facts of the Mandel essay, as the graph must hold them (read from the text)."""

from __future__ import annotations

from conftest import select

ID = "https://w3id.org/partykg/id/"
PREFIXES = """
PREFIX pkg: <https://w3id.org/partykg/ontology#>
PREFIX schema: <http://schema.org/>
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""


def test_source_metadata(store):
    """Author, publisher, 1970 original, 2003-12-30 online publication, URL, part of the book."""
    rows = select(store, PREFIXES + f"""
        SELECT ?author ?publisher ?created ?cdt ?published ?pdt ?url ?partOf WHERE {{
          <{ID}source/mandel-1970> schema:author ?author ; schema:publisher ?publisher ;
             schema:dateCreated ?created ; schema:datePublished ?published ;
             schema:url ?url ; schema:isPartOf ?partOf .
          BIND(DATATYPE(?created) AS ?cdt) BIND(DATATYPE(?published) AS ?pdt) }}""")
    assert rows == [{
        "author": ID + "person/ernest-mandel",
        "publisher": ID + "organization/international-viewpoint",
        "created": "1970", "cdt": "http://www.w3.org/2001/XMLSchema#gYear",
        "published": "2003-12-30", "pdt": "http://www.w3.org/2001/XMLSchema#date",
        "url": "https://internationalviewpoint.org/spip.php?article466",
        "partOf": ID + "work/leninist-theory-of-organisation",
    }]


def test_steam_and_piston_quotation(store):
    """Trotsky's metaphor: a paraphrased quotation of The History of the Russian Revolution, p. xix."""
    rows = select(store, PREFIXES + """
        SELECT ?speaker ?work ?pages ?edition ?para ?note ?exact WHERE {
          ?q a pkg:Quotation ; pkg:speaker ?speaker ; pkg:citedWork ?work ; pkg:pages ?pages ;
             pkg:edition ?edition ; pkg:isParaphrase ?para ; pkg:noteMarker ?note ;
             oa:hasTarget/oa:hasSelector/oa:exact ?exact }""")
    assert rows == [{
        "speaker": ID + "person/leon-trotsky",
        "work": ID + "work/history-of-the-russian-revolution",
        "pages": "xix", "edition": "Ann Arbor: University of Michigan Press, 1957",
        "para": "true", "note": "[4]",
        "exact": "the powerful steam evaporated for lack of a piston that would have "
                 "compressed it at the decisive moment",
    }]


def test_footnote_one_cites_three_volumes_of_lenin(store):
    """Footnote [1]: Collected Works vol. 18 pp. 471-477, vol. 23 pp. 236-253, vol. 10 pp. 277-278."""
    rows = select(store, PREFIXES + """
        SELECT ?volume ?pages ?locator WHERE {
          ?c a pkg:Citation ; pkg:noteMarker "[1]" ; pkg:volume ?volume ; pkg:pages ?pages ;
             pkg:locator ?locator ;
             cito:hasCitedEntity <https://w3id.org/partykg/id/work/lenin-collected-works> }
        ORDER BY ?locator""")
    assert [(r["volume"], r["pages"]) for r in rows] == [
        ("10", "277-278"), ("18", "471-477"), ("23", "236-253")]
    assert rows[1]["locator"] == "Vol. 18, pp. 471-477"


def test_claims_speakers_and_stances(store):
    """34 claims (31 + 3 added by the second reading); the reported views have their own
    claimants; selected stances."""
    rows = select(store, PREFIXES + """
        SELECT ?claim ?claimant WHERE { ?claim a pkg:Claim ; pkg:claimant ?claimant ;
          pkg:statedIn <https://w3id.org/partykg/id/source/mandel-1970> }""")
    assert len(rows) == 34
    claimant = {r["claim"].rsplit("/", 1)[-1]: r["claimant"].rsplit("/", 1)[-1] for r in rows}
    assert claimant["mandel-1970-c05"] == "rosa-luxemburg"
    assert claimant["mandel-1970-c16"] == "kautsky-bauer-school"
    assert sum(1 for v in claimant.values() if v == "ernest-mandel") == 28
    stance = select(store, PREFIXES + f"""
        SELECT ?t WHERE {{ <{ID}claim/mandel-1970-c03> pkg:opposesThesis ?t }}""")
    assert stance == [{"t": ID + "thesis/degeneration-rooted-in-party-form"}]


def test_reply_contradicts_reported_view(store):
    """Mandel's c01 contradicts the reported 'underestimation' view c02, with a justification."""
    rows = select(store, PREFIXES + f"""
        SELECT ?j WHERE {{
          <{ID}claim/mandel-1970-c01> pkg:contradicts <{ID}claim/mandel-1970-c02> .
          ?l a pkg:Contradiction ; pkg:linksClaim <{ID}claim/mandel-1970-c01>,
             <{ID}claim/mandel-1970-c02> ; pkg:justification ?j }}""")
    assert len(rows) == 1 and "great injustice" in rows[0]["j"]


def test_events_with_dates_at_their_precision(store):
    """May 1968 is known to the month, the Italian hot autumn to the year."""
    rows = select(store, PREFIXES + """
        SELECT ?e ?start (DATATYPE(?start) AS ?dt) WHERE { ?e a ?c ; schema:startDate ?start .
          ?c rdfs:subClassOf* pkg:Event } ORDER BY ?e""")
    got = {r["e"].rsplit("/", 1)[-1]: (r["start"], r["dt"].rsplit("#", 1)[-1]) for r in rows}
    assert got["french-may-1968"] == ("1968-05", "gYearMonth")
    assert got["italian-hot-autumn"] == ("1969", "gYear")


def test_misspelling_free_mentions(store):
    """Mentions found from names: Lenin is mentioned, and not inside 'Leninist'."""
    rows = select(store, PREFIXES + f"""
        SELECT ?exact WHERE {{ ?m oa:hasBody <{ID}person/vladimir-lenin> ;
          oa:hasTarget ?t . ?t oa:hasSource <{ID}source/mandel-1970> ;
          oa:hasSelector/oa:exact ?exact }}""")
    assert len(rows) == 7  # grep -ow Lenin on the text: 7 (Leninist/Leninism do not count)
    assert {r["exact"] for r in rows} == {"Lenin"}
