"""The API pool, part 4: smart-home, recipe and e-commerce tools (see schema.py for the form)."""

from __future__ import annotations

from ray_toolace.data.generator.schema import ToolSpec, choice, flag, items, obj, opt, req

STR, INT, NUM = "string", "integer", "number"
DATE = "Date in YYYY-MM-DD format."
DIETS = {"vegetarian": "vegetarian", "vegan": "vegan", "gluten_free": "gluten-free", "keto": "keto"}

SMART_HOME = [
    ToolSpec(
        "smart_home.set_thermostat",
        "smart_home",
        "Set the target temperature of the home thermostat.",
        (
            req("temperature_c", INT, "Target temperature in whole degrees Celsius.", ("temp_c", 15, 28)),
            choice(
                "mode",
                "Operating mode.",
                {"heat": "heat|heating", "cool": "cool|cooling", "auto": "auto"},
                default="auto",
            ),
            opt("room", STR, "Room whose zone to set; the whole home when omitted.", "room"),
        ),
        (
            "set the thermostat to {temperature_c}[ in {mode} mode][ in the {room}]",
            "change the[ {room}] temperature to {temperature_c}[ using {mode} mode]",
        ),
    ),
    ToolSpec(
        "smart_home.switch_device",
        "smart_home",
        "Turn a connected device on or off.",
        (
            req("device", STR, "Device name as configured in the app.", "device"),
            choice("state", "Desired power state.", {"on": "on", "off": "off"}, required=True),
        ),
        ("turn {state} the {device}", "switch the {device} {state}"),
        vary="device",
    ),
    ToolSpec(
        "smart_home.set_light",
        "smart_home",
        "Set color and brightness of a smart light.",
        (
            req("device", STR, "Light name.", "light"),
            req("color", STR, "Color name.", "color"),
            opt("brightness", INT, "Brightness percent, 10 to 100.", ("int", 10, 100), default=100),
        ),
        (
            "set the {device} to {color}[ at {brightness} percent brightness]",
            "make the {device} glow {color}[ with brightness at {brightness} percent]",
        ),
    ),
    ToolSpec(
        "smart_home.set_lock",
        "smart_home",
        "Lock or unlock a smart door lock.",
        (
            choice(
                "door",
                "Which door.",
                {"front": "front", "back": "back", "garage": "garage", "side": "side"},
                required=True,
            ),
            flag("locked", "True to lock, false to unlock.", "lock", "unlock", required=True),
        ),
        ("{locked} the {door} door", "go ahead and {locked} the {door} door"),
    ),
    ToolSpec(
        "smart_home.start_vacuum",
        "smart_home",
        "Send the robot vacuum to clean rooms.",
        (
            items("rooms", STR, "Rooms to clean, in order.", ("list", "room", 1, 3)),
            choice(
                "suction",
                "Suction power.",
                {"quiet": "quiet", "standard": "standard", "max": "max|maximum"},
                default="standard",
            ),
            flag(
                "mop",
                "Also mop hard floors.",
                "and mop the floors too|with mopping on",
                "without mopping|but no mopping",
            ),
        ),
        (
            "start the robot vacuum in the {rooms}[ on {suction} power][ {mop}]",
            "have the vacuum clean the {rooms}[ at {suction} suction][, {mop}]",
        ),
    ),
    ToolSpec(
        "smart_home.create_routine",
        "smart_home",
        "Create an automation that switches devices on at a time each day.",
        (
            req("name", STR, "Routine name.", "routine"),
            req("trigger_time", STR, "Daily trigger time, 24-hour HH:MM.", "time24"),
            items("devices", STR, "Devices the routine turns on.", ("list", "device", 1, 3)),
            items(
                "days", STR, "Weekdays it runs on; every day when omitted.", ("list", "weekday", 1, 3), required=False
            ),
        ),
        (
            "create a routine called {name} that turns on the {devices} at {trigger_time}[ on {days}]",
            "set up an automation named {name} to switch on the {devices} at {trigger_time}[ every {days}]",
        ),
    ),
    ToolSpec(
        "smart_home.get_energy_usage",
        "smart_home",
        "Electricity used over a recent period.",
        (
            choice(
                "period", "Period to report.", {"day": "day|24 hours", "week": "week", "month": "month"}, required=True
            ),
            opt("device", STR, "One device only; the whole home when omitted.", "device"),
        ),
        (
            "show the energy usage for the past {period}[ for the {device}]",
            "tell me how much electricity[ the {device}] used over the last {period}",
        ),
    ),
    ToolSpec(
        "smart_home.schedule_sprinklers",
        "smart_home",
        "Schedule a sprinkler zone.",
        (
            req("zone", INT, "Zone number, 1 to 8.", ("int", 1, 8)),
            req("start_time", STR, "Start time, 24-hour HH:MM.", "time24"),
            req("duration_minutes", INT, "Run time in minutes.", "duration_min"),
            items("days", STR, "Weekdays to run on.", ("list", "weekday", 1, 3), required=False),
        ),
        (
            "water zone {zone} at {start_time} for {duration_minutes}[ on {days}]",
            "schedule sprinkler zone {zone} to run for {duration_minutes} starting at {start_time}[ every {days}]",
        ),
    ),
    ToolSpec(
        "smart_home.arm_security",
        "smart_home",
        "Arm the home alarm system in a mode.",
        (
            choice("mode", "Arming mode.", {"home": "home|stay", "away": "away", "night": "night"}, required=True),
            opt(
                "entry_delay_seconds",
                INT,
                "Seconds before an opened door triggers the alarm.",
                ("int", 10, 90),
                default=30,
            ),
        ),
        (
            "arm the security system in {mode} mode[ with an entry delay of {entry_delay_seconds} seconds]",
            "set the alarm to {mode} mode[ and give me {entry_delay_seconds} seconds of entry delay]",
        ),
    ),
]

RECIPES = [
    ToolSpec(
        "recipes.search",
        "recipes",
        "Find recipes by ingredients and constraints.",
        (
            items("ingredients", STR, "Ingredients the recipe should use.", ("list", "ingredient", 1, 3)),
            opt("cuisine", STR, "Cuisine.", "cuisine"),
            opt("max_minutes", INT, "Longest total time in minutes.", ("int", 15, 90)),
            choice("diet", "Dietary restriction.", DIETS),
        ),
        (
            "find recipes that use {ingredients}[ from {cuisine} cuisine][ ready in under {max_minutes} minutes][ that are {diet}]",
            "search for[ {diet}][ {cuisine}] dishes with {ingredients}[ that take less than {max_minutes} minutes]",
        ),
        gives="recipe_id",
    ),
    ToolSpec(
        "recipes.get_recipe",
        "recipes",
        "Ingredients and steps of one recipe.",
        (
            req("recipe_id", STR, "Recipe identifier.", ("id", "RCP-####", "recipe")),
            choice(
                "units",
                "Measurement system.",
                {"metric": "in metric measurements|in grams and milliliters", "us": "in US cups and ounces"},
                default="metric",
            ),
        ),
        (
            "show me the full instructions for {recipe_id}[ {units}]",
            "get the ingredients and steps for {recipe_id}[, {units}]",
        ),
    ),
    ToolSpec(
        "recipes.scale",
        "recipes",
        "Rescale a recipe's quantities to a number of servings.",
        (
            req("recipe_id", STR, "Recipe identifier.", ("id", "RCP-####", "recipe")),
            req("servings", INT, "Target servings, 2 to 12.", ("int", 2, 12)),
        ),
        ("scale {recipe_id} to {servings} servings", "adjust {recipe_id} so it serves {servings} people"),
    ),
    ToolSpec(
        "recipes.get_nutrition",
        "recipes",
        "Nutrition facts of a dish per serving.",
        (
            req("dish", STR, "Dish name.", "dish"),
            opt("serving_grams", INT, "Serving size in grams.", ("int", 100, 600)),
        ),
        (
            "get the nutrition facts for {dish}[ per {serving_grams}-gram serving]",
            "tell me how many calories and how much protein are in {dish}[ for a {serving_grams} g portion]",
        ),
        vary="dish",
    ),
    ToolSpec(
        "recipes.plan_meals",
        "recipes",
        "A meal plan covering several days.",
        (
            req("days", INT, "Number of days, 2 to 7.", ("int", 2, 7)),
            choice("diet", "Dietary restriction.", DIETS),
            opt("calories_per_day", INT, "Daily calorie target.", ("int", 1400, 3200)),
        ),
        (
            "plan meals for {days} days[ for a {diet} diet][ at about {calories_per_day} calories a day]",
            "put together a {days}-day[ {diet}] meal plan[ around {calories_per_day} calories per day]",
        ),
    ),
    ToolSpec(
        "recipes.find_substitute",
        "recipes",
        "Suggest a replacement for an ingredient.",
        (
            req("ingredient", STR, "Ingredient to replace.", "ingredient"),
            choice(
                "reason",
                "Why it must be replaced.",
                {
                    "allergy": "of an allergy|I'm allergic to it",
                    "vegan": "I'm vegan|it has to be vegan",
                    "unavailable": "I ran out|I don't have any",
                },
            ),
        ),
        (
            "suggest a substitute for {ingredient}[ because {reason}]",
            "tell me what I can use instead of {ingredient}[, because {reason}]",
        ),
        vary="ingredient",
    ),
    ToolSpec(
        "recipes.make_shopping_list",
        "recipes",
        "Shopping list for cooking a dish.",
        (
            req("dish", STR, "Dish name.", "dish"),
            opt("servings", INT, "Servings to shop for.", ("int", 2, 12), default=4),
            flag(
                "skip_pantry_staples",
                "Leave out salt, oil and similar staples.",
                "leaving out pantry staples|without basics like salt and oil",
                "including pantry staples",
            ),
        ),
        (
            "make a shopping list for {dish}[ for {servings} people][, {skip_pantry_staples}]",
            "write up the groceries I need for {dish}[ to serve {servings}][ {skip_pantry_staples}]",
        ),
    ),
    ToolSpec(
        "recipes.rate",
        "recipes",
        "Rate a recipe from one to five stars.",
        (
            req("recipe_id", STR, "Recipe identifier.", ("id", "RCP-####", "recipe")),
            req("stars", INT, "Rating, 1 to 5.", ("int", 2, 5)),
            flag(
                "would_make_again",
                "Whether the user would cook it again.",
                "and note that I'd make it again",
                "and note that I wouldn't make it again",
            ),
        ),
        (
            "rate {recipe_id} {stars} stars[ {would_make_again}]",
            "give {recipe_id} a rating of {stars} out of five[, {would_make_again}]",
        ),
    ),
]

ECOMMERCE = [
    ToolSpec(
        "shop.search_products",
        "ecommerce",
        "Search the store catalogue.",
        (
            req("query", STR, "What to search for.", "product"),
            opt("brand", STR, "Only this brand.", "brand"),
            opt("max_price", NUM, "Highest price in US dollars.", ("money", 15, 800)),
            choice(
                "sort_by",
                "Result order.",
                {
                    "relevance": "sorted by relevance",
                    "price_asc": "cheapest first|sorted from lowest price",
                    "price_desc": "most expensive first|sorted from highest price",
                    "rating": "best rated first|sorted by customer rating",
                    "newest": "newest first|latest arrivals first",
                },
                default="relevance",
            ),
            flag(
                "in_stock_only",
                "Hide items that are out of stock.",
                "that are in stock|available right now",
                "even if out of stock|including out-of-stock items",
            ),
        ),
        (
            "search for {query}[ from {brand}][ under {max_price}][, {sort_by}][, {in_stock_only}]",
            "find[ {brand}] {query}[ {in_stock_only}][ for less than {max_price}][, {sort_by}]",
        ),
        gives="product_id",
    ),
    ToolSpec(
        "shop.get_product",
        "ecommerce",
        "Details, price and stock of one product.",
        (
            req("product_id", STR, "Product identifier.", ("id", "SKU-######", "product")),
            flag(
                "include_specs",
                "Include the full technical specifications.",
                "with the full specifications|including the tech specs",
                "without the spec sheet",
            ),
        ),
        ("show me {product_id}[ {include_specs}]", "get the details of {product_id}[, {include_specs}]"),
    ),
    ToolSpec(
        "shop.add_to_cart",
        "ecommerce",
        "Add a product to the shopping cart.",
        (
            req("product_id", STR, "Product identifier.", ("id", "SKU-######", "product")),
            opt("quantity", INT, "How many, 2 to 10.", ("int", 2, 10), default=1),
            opt("size", STR, "Clothing size.", "size"),
        ),
        (
            "add {product_id} to my cart[, quantity {quantity}][ in size {size}]",
            "put[ {quantity} units of] {product_id} in my cart[, size {size}]",
        ),
    ),
    ToolSpec(
        "shop.track_order",
        "ecommerce",
        "Shipping status of an order.",
        (req("order_id", STR, "Order identifier.", ("id", "ORD-######", "order")),),
        ("track {order_id}", "find out where {order_id} is", "check the delivery status of {order_id}"),
        vary="order_id",
    ),
    ToolSpec(
        "shop.return_item",
        "ecommerce",
        "Start a return for an item of an order.",
        (
            req("order_id", STR, "Order identifier.", ("id", "ORD-######", "order")),
            choice(
                "reason",
                "Return reason.",
                {
                    "damaged": "it arrived damaged|it was broken on arrival",
                    "wrong_item": "I got the wrong item|they sent the wrong thing",
                    "not_as_described": "it's not as described",
                    "changed_mind": "I changed my mind",
                },
                required=True,
            ),
            choice(
                "refund_method",
                "How to refund.",
                {
                    "original_payment": "to my original payment method|back to my card",
                    "store_credit": "as store credit",
                },
                default="original_payment",
            ),
        ),
        (
            "start a return for {order_id} because {reason}[, refund {refund_method}]",
            "return {order_id} since {reason}[ and refund it {refund_method}]",
        ),
    ),
    ToolSpec(
        "shop.apply_coupon",
        "ecommerce",
        "Apply a discount code to the cart.",
        (req("code", STR, "Coupon code.", ("id", "@@@@##", "")),),
        ("apply the coupon code {code} to my cart", "use discount code {code} on my order"),
    ),
    ToolSpec(
        "shop.get_reviews",
        "ecommerce",
        "Customer reviews of a product.",
        (
            req("product_id", STR, "Product identifier.", ("id", "SKU-######", "product")),
            opt("min_stars", INT, "Only reviews with at least this many stars, 1 to 5.", ("int", 2, 5)),
            opt("limit", INT, "How many reviews, 3 to 50.", ("int", 3, 50), default=10),
        ),
        (
            "show reviews of {product_id}[ with at least {min_stars} stars][, {limit} of them]",
            "get[ the latest {limit}] customer reviews for {product_id}[ rated {min_stars} stars or higher]",
        ),
        vary="product_id",
    ),
    ToolSpec(
        "shop.update_shipping_address",
        "ecommerce",
        "Change where an order will be delivered.",
        (
            req("order_id", STR, "Order identifier.", ("id", "ORD-######", "order")),
            obj(
                "address",
                "New delivery address.",
                (
                    req("street", STR, "Street and number.", "street"),
                    req("city", STR, "City.", "city"),
                    req("postal_code", STR, "Postal code.", ("id", "#####")),
                    opt("country", STR, "Country.", "country"),
                ),
                "{street}, {city} {postal_code}[, {country}]",
            ),
        ),
        ("change the shipping address of {order_id} to {address}", "send {order_id} to {address} instead"),
    ),
]
