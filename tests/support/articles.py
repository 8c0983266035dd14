"""Articles written for the tests: a flood story in wire style, with figures, quotes and commentary."""

from __future__ import annotations

BODY = (
    "[NATIONAL] Flood defences along the River Wendle failed on Tuesday night, officials said.\n"
    "Damage Across the Valley\n"
    "The Environment Agency said more than 1,200 homes were flooded in Harlow Vale, and that 3.5 metres of "
    "water was recorded at the Mill Street gauge, the highest level since 1968.\n"
    '"We have never seen the river rise this fast," said Mayor Dana Okafor, who told reporters that 14 '
    "schools would stay closed until Friday.\n"
    "Rail services between Harlow Vale and Kestow were suspended after 2 km of track was washed away, "
    "the rail operator said on Wednesday.\n"
    "Critics say the disaster could become a turning point for national flood policy.\n"
    "Some residents may be forced to leave their homes for months, if the rain continues.\n"
)


def article(**fields) -> dict:
    return {"title": "River Wendle bursts its banks", "body": BODY, "source": "test-wire", **fields}


# A page that an article of BODY might cite, with the boilerplate real pages have around the text.
REPORT = """<html><head><title>Wendle flood: the agency's figures</title>
<meta property="og:site_name" content="Valley Courier"></head><body>
<nav>Home | News | Sport | Weather</nav>
<article><h1>Wendle flood: the agency's figures</h1>
<p>The Environment Agency confirmed on Wednesday that more than 1,200 homes were flooded in Harlow Vale
after the defences along the River Wendle failed.</p>
<p>The Mill Street gauge recorded 3.5 metres of water, the highest level since records began there in 1968,
according to the agency's hydrologists.</p>
<p>Mayor Dana Okafor told reporters that 14 schools would remain closed until Friday while engineers
inspect the buildings.</p></article>
<footer>Copyright Valley Courier. All rights reserved.</footer></body></html>"""


# A story the source world (tests/support/source_world.py) has sources on: some support it, some do not.
TROOPS_TITLE = "North Korean troops in Russia, allies say"
TROOPS_BODY = (
    "[WORLD] Washington, Seoul and Kyiv said on Monday that more than 10,000 North Korean soldiers have been "
    "sent to Russia.\n"
    "Fighting Near the Border\n"
    "Ukraine's defence minister said on Tuesday that North Korean soldiers had engaged in combat with Ukrainian "
    "forces in the Kursk region.\n"
    'At a meeting of commanders, Kim Jong Un urged his army to "go all out" in preparing for war, state '
    "media reported.\n"
    'Kim also described the Korean peninsula as "the world\'s biggest hotspot", the state news agency KCNA '
    "reported.\n"
    "The deployment could change the course of the war, some analysts believe.\n"
)
