//! The embedded lexicons. StoryFlow's vendored copy embeds the compact tables `build.rs` makes
//! from `data/*.json` (see [`crate::table`]) instead of parsing the JSON at run time.

use crate::table::Table;

macro_rules! table {
    ($name:literal) => {
        Table::from_static(
            include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".idx")),
            include_str!(concat!(env!("OUT_DIR"), "/", $name, ".txt")),
        )
    };
}

pub fn load_us_gold() -> Table {
    table!("us_gold")
}

pub fn load_us_silver() -> Table {
    table!("us_silver")
}

pub fn load_gb_gold() -> Table {
    table!("gb_gold")
}

pub fn load_gb_silver() -> Table {
    table!("gb_silver")
}
