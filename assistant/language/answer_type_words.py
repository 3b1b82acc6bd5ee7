"""The words answer typing reads (``answer_types``): the head nouns of "which/what
X" and the type each names (``LEXICON``), the words of "how X", and the word classes that bound
or modify a noun phrase in a question."""

from __future__ import annotations

from typing import Literal

Kind = Literal[
    "person", "organisation", "place", "number", "amount", "date", "event_title", "other"
]
KINDS: tuple[Kind, ...] = (
    "person",
    "organisation",
    "place",
    "number",
    "amount",
    "date",
    "event_title",
    "other",
)
Entry = tuple[Kind, str | None]


def entries(kind: Kind, subtype: str | None, words: str) -> dict[str, Entry]:
    return {w: (kind, subtype) for w in words.split()}


LEXICON: dict[str, Entry] = {
    **entries(
        "person",
        None,
        "person man woman boy girl actor actress singer rapper musician artist star superstar "
        "celebrity icon figure personality comedian comic host presenter anchor journalist "
        "reporter author writer novelist poet director filmmaker producer president senator "
        "governor mayor minister premier chancellor leader politician lawmaker candidate "
        "nominee official judge justice ceo founder cofounder co-founder executive billionaire "
        "entrepreneur businessman businesswoman tycoon mogul player athlete quarterback coach "
        "golfer swimmer gymnast boxer fighter skater skier sprinter runner cyclist driver "
        "jockey pitcher striker goalkeeper pope king queen prince princess royal monarch "
        "emperor member scientist astronaut doctor chef designer influencer youtuber "
        "congressman congresswoman representative spokesperson spokesman attorney lawyer "
        "prosecutor defendant suspect victim contestant character ambassador general "
        "commander dictator successor predecessor heir wife husband son daughter mother "
        "father brother sister spouse chairman chairwoman chair speaker whistleblower legend "
        "entertainer dancer guitarist drummer composer conductor photographer painter "
        "sculptor architect economist professor teacher student explorer inventor pilot "
        "soldier officer detective sheriff commissioner creator frontman duke duchess lord "
        "cardinal bishop archbishop rabbi imam priest monk manager secretary wrestler cricketer "
        "mp pm republican democrat guest veteran people men women congressperson "
        "referee trainer frontbencher backbencher philanthropist sibling editor",
    ),
    **entries(
        "organisation",
        None,
        "company firm business corporation conglomerate startup start-up network broadcaster "
        "airline carrier team club party agency university college school brand retailer "
        "chain organization organisation group band union bank lender automaker carmaker "
        "manufacturer maker studio publisher newspaper outlet platform service charity "
        "nonprofit non-profit foundation institute institution committee council alliance "
        "bloc league federation association society church militia regime cartel gang "
        "supplier provider insurer operator giant restaurant supermarket grocer distributor "
        "developer label employer ministry watchdog regulator conference franchise cafe "
        "department government court hospital museum channel magazine brewery store",
    ),
    **entries("place", "country", "country nation republic kingdom ally"),
    **entries(
        "place", "city", "city town village capital suburb municipality neighborhood borough"
    ),
    **entries(
        "place",
        "region",
        "state county province region territory continent district constituency island "
        "peninsula archipelago seat",
    ),
    **entries(
        "place",
        None,
        "place location area venue stadium arena airport port border beach park lake river "
        "ocean sea waters waterbody mountain volcano desert street road highway destination "
        "landmark coast resort planet moon spot site dam station gallery property "
        "residence estate mansion palace castle",
    ),
    **entries(
        "event_title",
        "work",
        "show series sitcom drama documentary docuseries program programme film movie "
        "blockbuster sequel book novel memoir biography song single hit album track musical "
        "play opera ballet podcast painting artwork sculpture statue exhibition exhibit cartoon "
        "ballad comedy remake tune title tale story episode",
    ),
    **entries(
        "event_title",
        "event",
        "event tournament championship competition race festival ceremony summit award "
        "prize trophy honor honour holiday storm hurricane cyclone typhoon mission sport match "
        "disaster matchup",
    ),
    **entries("event_title", "law", "bill law act legislation treaty amendment policy"),
    **entries(
        "event_title",
        "product",
        "product app device gadget phone smartphone car vehicle spacecraft rocket satellite "
        "telescope toy game videogame vaccine drug medication medicine pill treatment "
        "cookie snack candy beverage drink cocktail flavor flavour trademark appliance engine "
        "machine headset missile weapon model treat aircraft plane jet currency",
    ),
    **entries(
        "event_title",
        "kind",
        "species animal bird fish insect dinosaur mammal plant tree flower fruit vegetable "
        "breed disease illness virus variant substance compound chemical element creature "
        "rodent pet pest crop mineral condition",
    ),
    **entries("date", "year", "year decade century"),
    **entries("date", "month", "month"),
    **entries("date", "day", "day date weekday weekend"),
    **entries("date", "time", "time timeframe hour season"),
    **entries("number", None, "number count score seed total population"),
    **entries("number", "age", "age"),
    **entries("number", "rank", "rank ranking"),
    **entries(
        "amount",
        "money",
        "amount price cost fee fine salary wage income budget revenue profit sum value worth "
        "payment payout settlement jackpot ransom valuation",
    ),
    **entries(
        "amount",
        "percent",
        "percent percentage proportion share fraction rate ratio probability chance odds",
    ),
    **entries(
        "amount",
        "measure",
        "temperature distance height weight length speed size depth magnitude",
    ),
    **entries("amount", "duration", "duration"),
}

# nouns that modify a following head without being one ("country music star", "pop icon")
MODIFIERS = frozenset(
    "music pop rock rap hip-hop country tech technology media social news tv television "
    "film movie reality dating sports sport video health food fashion clothing retail "
    "streaming oil energy car auto airline world national state federal professional "
    "hit award box talk game cooking".split()
)
# "which type of animal": the head is after "of"
CONTAINERS = frozenset("type kind sort form name one".split())
DETERMINERS = frozenset(
    "the a an this that these those its his her their our my your it he she they we you i "
    "there".split()
)
BOUNDARY = (
    frozenset(
        "is was are were be been being has have had do does did will would can could should may "
        "might must shall said says of in on at to for from with by about after before over under "
        "into during since than as against between among through across toward towards near per "
        "like amid despite and or but if because while so not who whom whose which what when where "
        "why how that 's".split()
    )
    | DETERMINERS
)
PUNCT = frozenset(',;:?!()"“”')
QUOTES = frozenset('"“”')
WH = frozenset("who whom whose which what when where how why".split())
PREPOSITIONS = frozenset(
    "of in on at to for from with by about after before over under into during since as "
    "against between among through across toward towards near per like".split()
)
MONEY_WORDS = frozenset(
    "money cost costs pay paid spend spent raise raised earn earned make made worth price fine "
    "fined sell sold $ dollars budget salary revenue profit fund funding bid ransom "
    "settlement compensation charge charged owe owed gross grossed lose lost invest invested "
    "donate donated".split()
)
CHANGE_WORDS = frozenset(
    "rise rose risen fall fell fallen increase increased decrease decreased drop dropped "
    "grow grew grown climb climbed jump jumped shrink shrank decline declined".split()
)
MEASURE_UNITS = frozenset(
    "miles mile kilometers kilometres km feet foot meters metres inches pounds kilograms kg "
    "tons tonnes degrees gallons liters litres acres".split()
)
MONEY_UNITS = frozenset("dollars euros pounds-sterling yen".split())
ABBREVIATIONS = ("u.s.", "u.k.", "mr.", "mrs.", "ms.", "dr.", "st.", "no.", "jr.", "sr.", "vs.")
PHRASES = (
    ("bodies of water", "waters"),
    ("body of water", "waterbody"),
    ("time frame", "timeframe"),
    ("head of state", "leader"),
    ("head of government", "leader"),
    ("true or false", "truefalse"),
    ("video game", "videogame"),
    ("box office", "box-office"),
)
RANKED = frozenset("rank ranked ranks rated".split())
NOT_PLURALS = frozenset(("shares", "stocks"))  # not "share" (a percent)
COPULA = frozenset("is was are were 's".split())  # "what's" is "what is"
AUX = COPULA | frozenset("do does did will would can could should has have had".split())
HOW: dict[str, Entry] = {
    "long": ("amount", "duration"),
    "old": ("number", "age"),
    "often": ("number", None),
    "soon": ("date", None),
    **entries("amount", "measure", "far tall high big large deep fast heavy wide hot cold"),
}
