"""The API pool, part 3: finance, crypto and real-estate tools (see schema.py for the form)."""

from __future__ import annotations

from ray_toolace.data.generator.schema import ToolSpec, choice, flag, items, obj, opt, req

STR, INT, NUM = "string", "integer", "number"
DATE = "Date in YYYY-MM-DD format."
PCT = "as a percentage, e.g. 4.5 for 4.5%."
ADDRESS = (
    req("street", STR, "Street and number.", "street"),
    req("city", STR, "City.", "city"),
    opt("postal_code", STR, "Postal code.", ("id", "#####")),
)

FINANCE = [
    ToolSpec(
        "finance.get_stock_quote",
        "finance",
        "Latest trade price and daily change for a stock symbol.",
        (
            req("symbol", STR, "Ticker symbol, e.g. 'AAPL'.", "ticker"),
            flag(
                "extended_hours",
                "Include pre-market and after-hours trades.",
                "including after-hours trading|with extended-hours prices",
                "for the regular session only|excluding after-hours trading",
            ),
        ),
        (
            "get the latest stock price for {symbol}[ {extended_hours}]",
            "tell me what {symbol} is trading at[, {extended_hours}]",
            "look up a quote for {symbol}[ {extended_hours}]",
        ),
        vary="symbol",
    ),
    ToolSpec(
        "finance.get_price_history",
        "finance",
        "Historical prices of a stock from a start date until today.",
        (
            req("symbol", STR, "Ticker symbol.", "ticker"),
            req("start_date", STR, "First day of the range, " + DATE, "past_date"),
            choice(
                "interval", "Bar size.", {"daily": "daily", "weekly": "weekly", "monthly": "monthly"}, default="daily"
            ),
        ),
        (
            "show the [{interval} ]price history of {symbol} starting {start_date}",
            "pull {symbol}'s [{interval} ]prices from {start_date} until now",
        ),
    ),
    ToolSpec(
        "finance.convert_currency",
        "finance",
        "Convert an amount between two fiat currencies at the current rate.",
        (
            req("amount", NUM, "Amount to convert.", ("num", 10, 5000, 0)),
            req("from_currency", STR, "ISO code of the source currency.", "currency"),
            req("to_currency", STR, "ISO code of the target currency.", "currency"),
        ),
        (
            "convert {amount} {from_currency} to {to_currency}",
            "work out how much {amount} {from_currency} is in {to_currency}",
            "tell me what {amount} {from_currency} comes to in {to_currency}",
        ),
    ),
    ToolSpec(
        "finance.calculate_loan_payment",
        "finance",
        "Payment amount for an amortising personal or car loan.",
        (
            req("principal", NUM, "Loan amount in US dollars.", ("money", 2000, 90000)),
            req("annual_rate", NUM, "Annual interest rate " + PCT, ("pct", 2, 12)),
            req("term_years", INT, "Loan term in years, 2 to 10.", ("int", 2, 10)),
            choice(
                "frequency",
                "Payment frequency.",
                {"monthly": "monthly|every month", "biweekly": "every two weeks|biweekly"},
                default="monthly",
            ),
        ),
        (
            "calculate the payment on a loan of {principal} at {annual_rate} interest over {term_years} years[, paid {frequency}]",
            "work out what I'd pay[ {frequency}] to borrow {principal} at {annual_rate} for {term_years} years",
        ),
    ),
    ToolSpec(
        "finance.get_financial_statement",
        "finance",
        "A company's income statement, balance sheet or cash-flow statement.",
        (
            req("symbol", STR, "Ticker symbol.", "ticker"),
            choice(
                "statement",
                "Which statement.",
                {"income": "income statement", "balance": "balance sheet", "cash_flow": "cash flow statement"},
                required=True,
            ),
            choice("period", "Reporting period.", {"annual": "annual", "quarterly": "quarterly"}, default="annual"),
        ),
        ("pull the [{period} ]{statement} for {symbol}", "get {symbol}'s latest [{period} ]{statement}"),
        vary="symbol",
    ),
    ToolSpec(
        "finance.add_to_watchlist",
        "finance",
        "Add stock symbols to one of the user's watchlists.",
        (
            items("symbols", STR, "Ticker symbols to add.", ("list", "ticker", 1, 4)),
            req("watchlist", STR, "Watchlist name.", "watchlist"),
        ),
        ("add {symbols} to my {watchlist} watchlist", "put {symbols} on the watchlist called {watchlist}"),
    ),
    ToolSpec(
        "finance.compound_interest",
        "finance",
        "Future value of savings with compound interest.",
        (
            req("principal", NUM, "Starting amount in US dollars.", ("money", 500, 50000)),
            req("annual_rate", NUM, "Annual interest rate " + PCT, ("pct", 1, 9)),
            req("years", INT, "Number of years, 2 to 40.", ("int", 2, 40)),
            opt("compounds_per_year", INT, "Compounding periods per year.", ("int", 2, 12), default=12),
        ),
        (
            "work out how much {principal} grows to at {annual_rate} a year after {years} years[, compounding {compounds_per_year} times a year]",
            "calculate the future value of {principal} invested for {years} years at {annual_rate}[ with interest compounded {compounds_per_year} times per year]",
        ),
    ),
    ToolSpec(
        "finance.set_price_alert",
        "finance",
        "Notify the user when a stock crosses a price.",
        (
            req("symbol", STR, "Ticker symbol.", "ticker"),
            req("target_price", NUM, "Price in US dollars.", ("money", 20, 900)),
            choice(
                "direction",
                "Trigger when the price goes above or below the target.",
                {"above": "goes above|climbs above|rises over", "below": "drops below|falls under|dips below"},
                required=True,
            ),
        ),
        (
            "alert me when {symbol} {direction} {target_price}",
            "set a price alert for when {symbol} {direction} {target_price}",
        ),
    ),
    ToolSpec(
        "finance.split_bill",
        "finance",
        "Split a bill evenly, with an optional tip.",
        (
            req("total", NUM, "Bill total in US dollars.", ("money", 20, 600)),
            req("people", INT, "Number of people, 2 to 12.", ("int", 2, 12)),
            opt("tip_percent", NUM, "Tip " + PCT, ("pct", 10, 25), default=15),
        ),
        (
            "split a bill of {total} between {people} people[ with a {tip_percent} tip]",
            "figure out what each of {people} people owes on a check for {total}[, adding {tip_percent} for the tip]",
        ),
    ),
]

CRYPTO = [
    ToolSpec(
        "crypto.get_price",
        "crypto",
        "Current price of a cryptocurrency.",
        (
            req("coin", STR, "Coin symbol, e.g. 'BTC'.", "coin"),
            opt("vs_currency", STR, "Fiat currency code for the price.", "currency", default="USD"),
        ),
        (
            "get the current price of {coin}[ in {vs_currency}]",
            "tell me what {coin} is worth right now[ in {vs_currency}]",
        ),
        vary="coin",
    ),
    ToolSpec(
        "crypto.get_wallet_balance",
        "crypto",
        "Token balances held by a wallet address.",
        (
            req("address", STR, "Wallet address.", ("id", "0x################", "")),
            choice(
                "network",
                "Blockchain network.",
                {"ethereum": "Ethereum|mainnet", "polygon": "Polygon", "arbitrum": "Arbitrum"},
                default="ethereum",
            ),
        ),
        ("check the balance of wallet {address}[ on {network}]", "show me what wallet {address} holds[ on {network}]"),
    ),
    ToolSpec(
        "crypto.get_gas_fee",
        "crypto",
        "Current transaction fee estimate on a network.",
        (
            choice(
                "network",
                "Blockchain network.",
                {"ethereum": "Ethereum", "polygon": "Polygon", "arbitrum": "Arbitrum"},
                required=True,
            ),
            choice(
                "speed",
                "Confirmation speed.",
                {"slow": "slow|low priority", "standard": "standard", "fast": "fast|high priority"},
                default="standard",
            ),
        ),
        (
            "check the gas fee on {network}[ for a {speed} transaction]",
            "find out how much a[ {speed}] transaction costs on {network} right now",
        ),
    ),
    ToolSpec(
        "crypto.place_order",
        "crypto",
        "Buy or sell a cryptocurrency on the user's exchange account.",
        (
            choice("side", "Buy or sell.", {"buy": "buy|purchase", "sell": "sell"}, required=True),
            req("coin", STR, "Coin symbol.", "coin"),
            req("amount", NUM, "Quantity of the coin.", ("num", 0.01, 5, 2)),
            choice("order_type", "Order type.", {"market": "market", "limit": "limit"}, default="market"),
        ),
        (
            "place an order to {side} {amount} {coin}[ as a {order_type} order]",
            "{side} {amount} {coin} for me[ using a {order_type} order]",
        ),
    ),
    ToolSpec(
        "crypto.get_top_coins",
        "crypto",
        "The largest cryptocurrencies by market capitalisation.",
        (
            req("limit", INT, "How many coins, 3 to 50.", ("int", 3, 50)),
            opt("vs_currency", STR, "Fiat currency code for prices.", "currency", default="USD"),
        ),
        (
            "list the top {limit} cryptocurrencies by market cap[ priced in {vs_currency}]",
            "show me the {limit} biggest coins by market capitalization[ with prices in {vs_currency}]",
        ),
    ),
    ToolSpec(
        "crypto.get_transaction",
        "crypto",
        "Details of an on-chain transaction by hash.",
        (
            req("tx_hash", STR, "Transaction hash.", ("id", "0x####################", "transaction")),
            flag("include_logs", "Include event logs.", "including the event logs|with its logs", "without the logs"),
        ),
        ("look up {tx_hash}[ {include_logs}]", "get the details of {tx_hash}[, {include_logs}]"),
        vary="tx_hash",
    ),
    ToolSpec(
        "crypto.get_price_chart",
        "crypto",
        "Price history of a coin over recent days.",
        (req("coin", STR, "Coin symbol.", "coin"), req("days", INT, "Days of history, 2 to 90.", ("int", 2, 90))),
        (
            "show me the price chart for {coin} over the last {days} days",
            "get {coin}'s price history for the past {days} days",
        ),
        vary="coin",
    ),
    ToolSpec(
        "crypto.stake",
        "crypto",
        "Stake coins for a fixed lock period.",
        (
            req("coin", STR, "Coin symbol.", "coin"),
            req("amount", NUM, "Quantity to stake.", ("num", 0.5, 200, 1)),
            req("lock_days", INT, "Lock period in days, 7 to 365.", ("int", 7, 365)),
            flag(
                "auto_compound",
                "Restake rewards automatically.",
                "with auto-compounding|and restake the rewards automatically",
                "without auto-compounding|paying rewards out instead of restaking",
            ),
        ),
        (
            "stake {amount} {coin} for {lock_days} days[ {auto_compound}]",
            "lock up {amount} {coin} in staking for {lock_days} days[, {auto_compound}]",
        ),
    ),
]

REAL_ESTATE = [
    ToolSpec(
        "real_estate.search_listings",
        "real_estate",
        "Homes for sale or rent in a city.",
        (
            req("city", STR, "City name.", "city"),
            choice("listing_type", "Sale or rental listings.", {"sale": "for sale", "rent": "for rent"}, required=True),
            opt("min_bedrooms", INT, "Minimum bedrooms, 2 to 5.", ("int", 2, 5)),
            opt("max_price", NUM, "Highest price in US dollars (monthly rent for rentals).", ("money", 900, 900000)),
            items("amenities", STR, "Required amenities.", ("list", "amenity", 1, 2), required=False),
        ),
        (
            "search for homes {listing_type} in {city}[ with at least {min_bedrooms} bedrooms][ under {max_price}][ that have {amenities}]",
            "find places {listing_type} in {city}[ priced below {max_price}][, {min_bedrooms} bedrooms or more][, with {amenities}]",
        ),
        gives="listing_id",
    ),
    ToolSpec(
        "real_estate.get_listing",
        "real_estate",
        "Full details of one listing.",
        (
            req("listing_id", STR, "Listing identifier.", ("id", "LST-#####", "listing")),
            flag(
                "include_price_history",
                "Include past price changes.",
                "including its price history|with the price history",
                "without the price history",
            ),
        ),
        (
            "show me the details of {listing_id}[ {include_price_history}]",
            "pull up everything about {listing_id}[, {include_price_history}]",
        ),
    ),
    ToolSpec(
        "real_estate.schedule_viewing",
        "real_estate",
        "Book a visit to a listed property.",
        (
            req("listing_id", STR, "Listing identifier.", ("id", "LST-#####", "listing")),
            req("date", STR, DATE, "date"),
            req("time", STR, "Start time, 24-hour HH:MM.", "time24"),
            obj(
                "contact",
                "Who is visiting.",
                (
                    req("name", STR, "Visitor's name.", "person"),
                    opt("phone", STR, "Phone number.", ("id", "+1-###-###-####")),
                ),
                "{name}[ (phone {phone})]",
            ),
        ),
        (
            "schedule a viewing of {listing_id} {date} at {time} for {contact}",
            "book a visit to {listing_id} for {contact} {date} at {time}",
        ),
    ),
    ToolSpec(
        "real_estate.estimate_value",
        "real_estate",
        "Automated market value estimate of a home.",
        (
            obj("address", "Property address.", ADDRESS, "{street}, {city}[ {postal_code}]"),
            opt("bedrooms", INT, "Number of bedrooms.", ("int", 2, 6)),
        ),
        (
            "estimate what the home at {address} is worth[; it has {bedrooms} bedrooms]",
            "get a value estimate for the property at {address}[ with {bedrooms} bedrooms]",
        ),
    ),
    ToolSpec(
        "real_estate.calculate_mortgage",
        "real_estate",
        "Monthly mortgage payment for a home purchase.",
        (
            req("home_price", NUM, "Purchase price in US dollars.", ("money", 150000, 1500000)),
            req("down_payment_percent", NUM, "Down payment " + PCT, ("pct", 5, 30)),
            req("rate", NUM, "Annual interest rate " + PCT, ("pct", 3, 8)),
            choice(
                "term_years",
                "Mortgage term.",
                {"15": "a 15-year term|15 years", "30": "a 30-year term|30 years"},
                default="30",
            ),
        ),
        (
            "calculate the monthly mortgage on a home priced at {home_price} with {down_payment_percent} down at {rate}[ over {term_years}]",
            "work out my mortgage payment for a house costing {home_price}, putting {down_payment_percent} down, at a {rate} rate[, {term_years}]",
        ),
    ),
    ToolSpec(
        "real_estate.get_neighborhood_stats",
        "real_estate",
        "Statistics about a neighbourhood.",
        (
            req("neighborhood", STR, "Neighbourhood name.", "neighborhood"),
            choice(
                "metric",
                "Which statistic.",
                {
                    "schools": "school ratings",
                    "safety": "crime and safety figures",
                    "transit": "public transit access",
                    "walkability": "walkability score",
                },
                required=True,
            ),
        ),
        ("give me the {metric} for {neighborhood}", "look up {neighborhood}'s {metric}"),
        vary="neighborhood",
    ),
    ToolSpec(
        "real_estate.find_agents",
        "real_estate",
        "Licensed real-estate agents working in a city.",
        (
            req("city", STR, "City name.", "city"),
            opt("language", STR, "Language the agent speaks.", "language"),
            choice(
                "specialty",
                "Kind of property.",
                {"residential": "residential", "commercial": "commercial"},
                default="residential",
            ),
        ),
        (
            "find[ {specialty}] real estate agents in {city}[ who speak {language}]",
            "list realtors working in {city}[ that speak {language}][, focusing on {specialty} property]",
        ),
        vary="city",
    ),
    ToolSpec(
        "real_estate.rent_affordability",
        "real_estate",
        "Highest monthly rent a gross income supports.",
        (
            req("monthly_income", NUM, "Gross monthly income in US dollars.", ("money", 1500, 20000)),
            opt("max_ratio_percent", NUM, "Share of income allowed for rent " + PCT, ("pct", 20, 40), default=30),
        ),
        (
            "calculate how much rent I can afford on a monthly income of {monthly_income}[ if I spend at most {max_ratio_percent} of it]",
            "work out my maximum rent with {monthly_income} coming in each month[, keeping it to {max_ratio_percent} of income]",
        ),
    ),
]
