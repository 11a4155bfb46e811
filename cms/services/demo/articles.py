"""The demo's articles: an institute's blog, briefs and events on the Korean peninsula.

Written by hand, because this is the first thing a newcomer reads. The people and
events are fictional; the background (sanctions, the armistice, chips, housing)
is real enough for search, facets and snippets to have something to find.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoArticle:
    title: str
    section: str  # slugs
    category: str
    authors: tuple[str, ...]
    summary: str
    paragraphs: tuple[str, ...]
    quote: str = ""
    image: int | None = None  # a key in the gallery
    status: str = "published"  # or "draft", or "scheduled" (published a week from now)


ARTICLES = [
    DemoArticle(
        title="What North Korea's new solid-fuel missile changes",
        section="the-peninsula",
        category="north-korea",
        authors=("min-jun-park",),
        summary=(
            "Solid fuel lets Pyongyang hide its missiles and launch them within minutes, which shortens the "
            "warning that the alliance's defences are built around."
        ),
        paragraphs=(
            "North Korea's latest test used a solid-fuel motor, the third such launch this year. A "
            "liquid-fuelled missile must be fuelled for hours before it can fly; a solid-fuel one can be "
            "kept ready in a tunnel and fired soon after it is rolled out.",
            "That matters less for range than for warning. South Korean and American planners have long "
            "counted on seeing the preparations for a launch. With solid fuel, the signs shrink to a truck "
            "leaving a hillside.",
            "The answer is not a single new interceptor but a shorter path from detection to decision, and "
            "that depends as much on data shared between Seoul, Washington and Tokyo as on hardware.",
        ),
        quote=(
            "The less warning there is, the more the allies depend on seeing the same picture at the same "
            "time."
        ),
        image=6,
    ),
    DemoArticle(
        title="Sanctions at sea: where enforcement falls short",
        section="policy-briefs",
        category="diplomacy",
        authors=("daniel-okafor",),
        summary=(
            "Ship-to-ship transfers keep North Korea supplied with refined oil despite the UN cap. Closing "
            "the gaps takes inspections in port, not only more names on sanctions lists."
        ),
        paragraphs=(
            "UN Security Council resolutions cap North Korea's imports of refined petroleum at 500,000 "
            "barrels a year. Independent monitors estimate that the real figure is several times higher, "
            "most of it delivered by ship-to-ship transfers at sea.",
            "The tankers involved change names, flags and transponder identities faster than sanctions "
            "lists can follow them, and many are registered in states with little capacity to inspect them.",
            "This brief recommends three steps: shared satellite monitoring of the known transfer areas, "
            "inspections in the ports where the tankers refuel, and insurance checks that make it hard for "
            "a ship to keep trading once it has been caught.",
        ),
        image=1,
    ),
    DemoArticle(
        title="Why semiconductors dominate South Korea's export figures",
        section="the-peninsula",
        category="technology",
        authors=("ji-woo-kim", "tomas-rivera"),
        summary=(
            "Memory chips make up about a fifth of South Korea's exports, so a swing in chip prices moves "
            "the whole trade balance."
        ),
        paragraphs=(
            "When memory prices fell in 2023, South Korea's exports fell with them, and the country ran a "
            "trade deficit for the first time in years. The recovery in 2024 was just as closely tied to "
            "chips, driven by demand for the high-bandwidth memory used in AI servers.",
            "Such concentration is a strength while demand lasts. It also means that export controls, a "
            "price war or a slowdown at a few large customers would be felt across the economy.",
            "Diversifying does not mean making fewer semiconductors. It means more customers, more products "
            "further up the value chain and a deeper base of suppliers at home.",
        ),
        image=12,
    ),
    DemoArticle(
        title="Offshore wind off Jeju: lessons from the first decade",
        section="the-peninsula",
        category="energy-climate",
        authors=("hana-suzuki",),
        summary=(
            "Jeju's wind farms have shown that offshore wind works in Korean waters. Building it at scale "
            "depends on grid connections and permits more than on turbines."
        ),
        paragraphs=(
            "The first turbines off Jeju began turning more than a decade ago, and the island now draws a "
            "larger share of its power from wind than any other Korean province.",
            "Its experience is instructive: curtailment, when wind farms are told to stop because the grid "
            "cannot take their power, became common long before the island ran out of places to build.",
            "National targets call for many gigawatts of offshore wind by 2030. Meeting them will take "
            "transmission lines, a single permitting office and agreements with fishing communities, none "
            "of which a turbine maker can supply.",
        ),
        image=4,
    ),
    DemoArticle(
        title="Seventy years after the armistice: a panel discussion",
        section="events",
        category="diplomacy",
        authors=("elodie-martin",),
        summary=(
            "Two historians and a former negotiator discuss what the 1953 armistice settled, what it left "
            "open, and whether a peace treaty is still possible."
        ),
        paragraphs=(
            "The armistice signed at Panmunjom in July 1953 stopped the fighting in the Korean War, but no "
            "peace treaty followed. Seventy years on, the line it drew is still one of the most heavily "
            "armed borders in the world.",
            "Our panel brings together two historians of the war and a former member of the Military "
            "Armistice Commission to discuss how the agreement has been kept, bent and broken since.",
            "The discussion will be recorded, and a summary will appear here the following week.",
        ),
        image=5,
        status="scheduled",
    ),
    DemoArticle(
        title="Seoul's housing costs and the falling birth rate",
        section="the-peninsula",
        category="society",
        authors=("grace-lee",),
        summary=(
            "Young couples in Seoul name the cost of housing as a main reason for putting off children, and "
            "the evidence suggests they are right."
        ),
        paragraphs=(
            "South Korea's fertility rate is the lowest in the world, at well under one child per woman. "
            "When surveys ask why, the cost of a home in the capital comes up again and again.",
            "Studies that compare districts find that births fell most where housing costs rose fastest, "
            "even after accounting for income and education.",
            "Cash payments to new parents have done little to change the trend. Policies that put a first "
            "home within reach of people in their early thirties may do more.",
        ),
        image=2,
    ),
    DemoArticle(
        title="Extended deterrence after the Washington Declaration",
        section="policy-briefs",
        category="security",
        authors=("min-jun-park",),
        summary=(
            "The 2023 declaration gave Seoul a greater say in American nuclear planning. This brief asks "
            "what the Nuclear Consultative Group has achieved so far."
        ),
        paragraphs=(
            "In April 2023 the presidents of South Korea and the United States agreed the Washington "
            "Declaration. Seoul reaffirmed that it would not build nuclear weapons; Washington promised "
            "closer consultation and more visible deployments.",
            "The Nuclear Consultative Group created by the declaration has met regularly since. It has "
            "produced joint guidelines and tabletop exercises, though much of its work is necessarily "
            "secret.",
            "Public support for a South Korean bomb remains high. The group's credibility will depend on "
            "whether ordinary South Koreans believe that they are being consulted, not only their "
            "officials.",
        ),
        image=6,
    ),
    DemoArticle(
        title="Markets, not plans, now feed most North Koreans",
        section="the-peninsula",
        category="north-korea",
        authors=("grace-lee",),
        summary=(
            "Since the famine of the 1990s, private markets have become the main source of food and income "
            "for most North Korean households. Recent crackdowns test how far the state can turn back the "
            "clock."
        ),
        paragraphs=(
            "When the public distribution system collapsed during the famine of the 1990s, North Koreans "
            "turned to trading to survive. The markets that grew out of that crisis, known as jangmadang, "
            "now number in the hundreds.",
            "Interviews with recent defectors suggest that most households earn more from trade than from "
            "their official jobs. Officials tolerate the markets, and tax them.",
            "Since the pandemic the state has tried to bring the grain trade back under its control. Early "
            "reports point to higher prices and shortages rather than a return to the old system.",
        ),
    ),
    DemoArticle(
        title="Tariffs and the Korean car industry",
        section="the-peninsula",
        category="trade",
        authors=("sarah-whitfield",),
        summary=(
            "New American tariffs on imported cars hit South Korea's second-largest export. Carmakers are "
            "answering by building more of their cars in the United States."
        ),
        paragraphs=(
            "Cars and car parts are South Korea's second-largest export after semiconductors, and the "
            "United States is their biggest market. Tariffs on imported vehicles therefore fall heavily on "
            "Hyundai, Kia and their suppliers.",
            "Both companies had already been moving production to plants in Alabama and Georgia, partly to "
            "qualify for American subsidies for electric vehicles. The tariffs speed up that shift.",
            "For the Korean economy, the question is what stays at home: design, batteries and high-value "
            "parts may, while final assembly increasingly will not.",
        ),
        quote="The tariffs do not decide whether Korean cars are built in America, only how fast.",
        image=9,
    ),
    DemoArticle(
        title="Export controls on chipmaking tools: the view from Seoul",
        section="policy-briefs",
        category="technology",
        authors=("ji-woo-kim",),
        summary=(
            "American limits on selling chipmaking equipment to China reach into Korean factories there. "
            "Seoul has won waivers so far, but they are not permanent."
        ),
        paragraphs=(
            "Samsung and SK hynix both run large memory plants in China. American export controls on "
            "advanced chipmaking tools apply to those plants, because the tools are American or rely on "
            "American technology.",
            "Both companies have been allowed to keep their Chinese factories supplied, but only for "
            "maintenance and modest upgrades, not for the newest processes.",
            "This brief argues that Seoul should seek a predictable arrangement lasting several years "
            "rather than rely on renewals, and should help both firms plan for the day their Chinese plants "
            "fall a generation behind.",
        ),
        image=3,
    ),
    DemoArticle(
        title="What a trilateral summit can and cannot do",
        section="the-peninsula",
        category="diplomacy",
        authors=("daniel-okafor",),
        summary=(
            "The leaders of South Korea, Japan and the United States now meet regularly. The summits are "
            "useful, but they cannot settle the history that still divides Seoul and Tokyo."
        ),
        paragraphs=(
            "Since the Camp David summit of 2023, the three governments have held regular meetings of "
            "leaders, ministers and military staff, and they share missile-warning data in real time.",
            "The summits have done what summits do well: they set deadlines, signal unity to Pyongyang and "
            "Beijing, and give officials cover to work together.",
            "What they cannot do is resolve the disputes over wartime forced labour, which courts and "
            "voters in both countries keep returning to.",
        ),
        image=7,
    ),
    DemoArticle(
        title="Traditional markets in the age of delivery apps",
        section="the-peninsula",
        category="society",
        authors=("tomas-rivera",),
        summary=(
            "South Korea's traditional markets have lost many of their customers to supermarkets and "
            "delivery apps. Some are fighting back by joining the apps."
        ),
        paragraphs=(
            "A decade ago the average traditional market served far more shoppers a day than it does now. "
            "Supermarkets took some of them; delivery apps have taken many more.",
            "Markets in Daegu and Busan have begun to offer same-day delivery through the same apps, with "
            "stalls sharing couriers and a single online shopfront.",
            "The early figures are encouraging for fresh food and less so for everything else. The markets' "
            "advantage is freshness and price; convenience is the apps' game.",
        ),
        image=8,
    ),
    DemoArticle(
        title="Nuclear power in South Korea's climate plans",
        section="policy-briefs",
        category="energy-climate",
        authors=("hana-suzuki",),
        summary=(
            "The government has reversed the planned phase-out of nuclear power and intends to build new "
            "reactors. This brief weighs what that means for emissions, costs and renewables."
        ),
        paragraphs=(
            "Nuclear power provides about a third of South Korea's electricity. The previous government "
            "planned to phase it out; the current one has extended the lives of existing reactors and "
            "ordered new ones.",
            "More nuclear power makes the 2030 emissions target easier to reach, since it replaces coal. It "
            "does less for the 2050 goal unless renewables grow quickly too.",
            "We recommend planning the grid for both: steady nuclear output and a much larger share of wind "
            "and solar, which need storage and flexible demand that today's electricity market does not "
            "reward.",
        ),
    ),
    DemoArticle(
        title="What Chinese customs data reveal about North Korea's trade",
        section="the-peninsula",
        category="trade",
        authors=("sarah-whitfield",),
        summary=(
            "Trade between North Korea and China has recovered since the border reopened, though not to its "
            "level before the pandemic. Customs figures show what moves across the border and what does "
            "not."
        ),
        paragraphs=(
            "China accounts for more than nine-tenths of North Korea's recorded trade. Chinese customs "
            "figures, published every month, are one of the few regular windows into the North Korean "
            "economy.",
            "They show imports of food, fertiliser, textiles and plastics recovering, while exports, "
            "limited by sanctions to a few goods such as wigs and false eyelashes, remain small.",
            "What the figures cannot show is the trade that sanctions forbid: coal, seafood and workers "
            "sent abroad. Estimates of that trade rely on satellite images and the accounts of defectors.",
        ),
    ),
    DemoArticle(
        title="Conference report: deterrence and the alliance",
        section="events",
        category="security",
        authors=("min-jun-park", "daniel-okafor"),
        summary=(
            "Our annual security conference brought together officials, officers and scholars from Seoul, "
            "Washington and Tokyo. These were the main points of agreement, and of disagreement."
        ),
        paragraphs=(
            "Speakers agreed that North Korea's arsenal is growing faster than expected, and that the "
            "alliance's answer must be more joint, not only larger.",
            "They disagreed about how public that answer should be. Some argued that visible deployments "
            "reassure allies; others warned that they also feed Pyongyang's propaganda.",
            "Several of the papers presented at the conference will appear in our Policy Briefs series.",
        ),
        image=6,
    ),
    DemoArticle(
        title="How AI servers revived the memory-chip market",
        section="the-peninsula",
        category="technology",
        authors=("ji-woo-kim",),
        summary=(
            "Demand for high-bandwidth memory has turned a slump into a shortage. Korean chipmakers lead "
            "the market, but their lead is narrower than it looks."
        ),
        paragraphs=(
            "High-bandwidth memory stacks several memory chips on top of one another, next to the "
            "processor. It is what makes the largest AI models fast enough to use.",
            "SK hynix was first to make it in volume and still supplies most of the market. Samsung and the "
            "American firm Micron are catching up.",
            "Draft: add the latest quarterly figures and a comment from an industry analyst before "
            "publishing.",
        ),
        status="draft",
    ),
    DemoArticle(
        title="Seoul and Tokyo: a thaw worth protecting",
        section="the-peninsula",
        category="diplomacy",
        authors=("elodie-martin",),
        summary=(
            "Relations between South Korea and Japan are better than at any time in a decade. The thaw "
            "rests on the choices of two governments, and an election could reverse it."
        ),
        paragraphs=(
            "Visits between the two countries' leaders have resumed, as have regular meetings of their "
            "finance and defence ministers. Trade restrictions imposed in 2019 have been lifted.",
            "The thaw has been driven from the top. Polls show that public opinion in both countries has "
            "warmed more slowly than relations between the governments.",
            "Making it last means building ties that do not depend on who is in office: student exchanges, "
            "joint research and agreements that outlast a single term.",
        ),
    ),
    DemoArticle(
        title="North Korean defectors in the South: work and welfare",
        section="policy-briefs",
        category="society",
        authors=("grace-lee",),
        summary=(
            "About 34,000 North Koreans have settled in South Korea. Many struggle to find steady work, and "
            "the support they receive ends after five years."
        ),
        paragraphs=(
            "Defectors arriving in the South spend three months at a resettlement centre, then receive "
            "housing, a small grant and help finding work for five years.",
            "Their employment rate has risen over the past decade but remains below the national average, "
            "and many work in short-term jobs that do not use the skills they brought with them.",
            "This brief recommends extending job support beyond five years for those who need it, and "
            "recognising qualifications earned in the North more readily.",
        ),
    ),
    DemoArticle(
        title="Shipbuilding's second wind",
        section="the-peninsula",
        category="trade",
        authors=("sarah-whitfield",),
        summary=(
            "Orders for Korean shipyards have climbed back to levels not seen in fifteen years, led by "
            "tankers for liquefied natural gas."
        ),
        paragraphs=(
            "After a long slump, Korea's three big shipbuilders have order books that stretch three years "
            "ahead. Carriers for liquefied natural gas, which few yards in the world can build, make up a "
            "large share.",
            "The yards' main problem now is labour. Many skilled welders left during the slump, and younger "
            "workers have been slow to replace them.",
            "Proposals to help the yards build and repair ships for the American navy could add to demand, "
            "but they would also need the yards to find far more workers.",
        ),
        image=1,
    ),
    DemoArticle(
        title="Rice farmers adapt to hotter summers",
        section="the-peninsula",
        category="energy-climate",
        authors=("hana-suzuki",),
        summary=(
            "Longer heat waves are cutting rice yields in the south of the peninsula. Farmers are changing "
            "what they plant, and when."
        ),
        paragraphs=(
            "Summer heat waves in South Korea are longer and more frequent than they were a generation ago. "
            "Rice grown in the south suffers most when nights stay hot during the weeks the grain ripens.",
            "Farmers have begun to plant later and to sow varieties bred to tolerate the heat, and some "
            "have switched part of their land to other crops.",
            "Government research stations are testing new varieties, but their spread depends on seed "
            "prices and on advice reaching older farmers, who make up most of the workforce.",
        ),
        image=10,
    ),
    DemoArticle(
        title="The Seoul that was: Jongno at the turn of the last century",
        section="the-peninsula",
        category="society",
        authors=("elodie-martin",),
        summary=(
            "A photograph from the Library of Congress shows Jongno, Seoul's old main street, around 1904. "
            "Little of the street it shows survives."
        ),
        paragraphs=(
            "At the start of the twentieth century Jongno was the commercial heart of Seoul, lined with "
            "shops licensed by the royal court. The city's first streetcar line ran along it.",
            "The photograph shows a wide, unpaved street of low tiled buildings, with people walking down "
            "the middle of it. Almost none of those buildings stands today.",
            "Images like this one, shared by libraries and archives with no known copyright restrictions, "
            "are a rich source for anyone writing about the city's past.",
        ),
        image=11,
    ),
    DemoArticle(
        title="The UN panel of experts is gone. Who watches sanctions now?",
        section="policy-briefs",
        category="north-korea",
        authors=("daniel-okafor",),
        summary=(
            "Russia's veto ended the UN panel that reported on sanctions against North Korea. A group of "
            "governments is building its own monitoring team to replace it."
        ),
        paragraphs=(
            "For fifteen years a panel of experts reported to the UN Security Council on how sanctions "
            "against North Korea were being broken. In 2024 Russia vetoed the renewal of its mandate.",
            "Eleven governments, led by South Korea, Japan and the United States, have since set up a "
            "multilateral sanctions monitoring team. Its reports carry less weight than the panel's, "
            "because they are not UN documents.",
            "We recommend that the new team publish its evidence in full and invite governments outside the "
            "group to contribute, so that its findings are harder to dismiss.",
        ),
        image=7,
    ),
    DemoArticle(
        title="Semiconductors and water: the constraint nobody mentions",
        section="the-peninsula",
        category="technology",
        authors=("ji-woo-kim",),
        summary=(
            "A large chip plant uses as much water as a city. As Korea builds new fabs, water supply is "
            "becoming as important as power."
        ),
        paragraphs=(
            "Making chips requires ultrapure water to rinse wafers between steps, and a large plant uses "
            "tens of thousands of tonnes of it a day.",
            "The cluster planned south of Seoul will need new pipelines from distant rivers, and the cost "
            "and timing of those pipelines are still being negotiated.",
            "Recycling water inside the plants helps, and Korean chipmakers have set targets for it. But "
            "reuse cannot cover growth on this scale.",
        ),
        image=3,
    ),
    DemoArticle(
        title="Reading the signals from Pyongyang's party plenum",
        section="the-peninsula",
        category="north-korea",
        authors=("min-jun-park", "elodie-martin"),
        summary=(
            "North Korea's ruling party met to review the year. Its statement says more about the economy "
            "than about weapons, which is itself a signal."
        ),
        paragraphs=(
            "The plenary meeting of the Workers' Party's Central Committee is where North Korea's "
            "leadership reviews the year and sets goals for the next. Its closing statement is read closely "
            "abroad.",
            "This year's statement gave most of its space to farming, construction in the provinces and "
            "light industry, and comparatively little to weapons development.",
            "That may reflect real economic strain. It does not mean the weapons programmes have slowed, as "
            "tests in the following weeks made clear.",
        ),
        status="draft",
    ),
]
