//! The frame of every page (header, navigation, the stylesheet and script)
//! and the live updates: a page that changes while work runs asks for
//! itself again with `live=1` every second and gets its changing regions
//! as JSON, which its script swaps in.

use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Jobs,
    Archive,
    Faults,
}

/// `?live=1` on any page asks for its regions only.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Live {
    #[serde(default)]
    pub live: Option<u8>,
}

impl Live {
    pub(crate) fn wanted(&self) -> bool {
        self.live == Some(1)
    }
}

/// A changing part of a page, by its element id.
pub(crate) struct Region {
    pub id: &'static str,
    pub body: Markup,
}

pub(crate) fn region(id: &'static str, body: Markup) -> Region {
    Region { id, body }
}

/// Where a region goes in the page.
pub(crate) fn slot(r: &Region) -> Markup {
    html! { div id=(r.id) class="region" { (r.body) } }
}

/// The regions as JSON for the page's script; `live` says whether to keep
/// asking.
pub(crate) fn live_response(regions: &[Region], live: bool) -> Response {
    let mut map = Map::new();
    for r in regions {
        map.insert(r.id.to_owned(), Value::String(r.body.clone().into_string()));
    }
    Json(json!({ "regions": map, "live": live })).into_response()
}

pub(crate) fn page(title: &str, nav: Nav, live: bool, body: Markup) -> Markup {
    let item = |which: Nav, href: &str, text: &str| {
        html! { a href=(href) class=[(nav == which).then_some("current")] { (text) } }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Jobs console" }
                link rel="icon" href="/console/assets/icon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body data-live=(if live { "1" } else { "0" }) {
                header class="top" {
                    a class="brand" href="/console/jobs" {
                        img src="/console/assets/icon.svg" alt="" width="22" height="22";
                        span { "Jobs console" }
                    }
                    nav {
                        (item(Nav::Jobs, "/console/jobs", "Jobs"))
                        (item(Nav::Archive, "/console/archive", "Failed-jobs archive"))
                        (item(Nav::Faults, "/console/faults", "Faults"))
                    }
                    span class="where" { "local stack" }
                }
                main { (body) }
            }
        }
    }
}

/// A page that only says something.
pub(crate) fn message_page(title: &str, text: &str) -> Markup {
    page(
        title,
        Nav::Jobs,
        false,
        html! { div class="card message" { h1 { (title) } p { (text) } p { a href="/console/jobs" { "Back to the jobs" } } } },
    )
}
