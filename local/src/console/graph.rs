//! The graph view: a definition laid out by `layout-rs` (a Sugiyama-style
//! layered layout, as Graphviz's dot), drawn as SVG with each state coloured
//! by what happened to it.
//!
//! Each state set is laid out on its own, innermost first: a Parallel or Map
//! state enters its parent's layout as one box the size of its branches'
//! drawings, which are then placed inside that box. The layout library
//! places every node and routes every edge; this module only measures boxes
//! and writes the SVG.

use std::collections::HashMap;
use std::fmt::Write as _;

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::outline::{EdgeKind, Outline};
use super::states::StateStatus;
use super::views::escape;

const NODE_HEIGHT: f64 = 50.0;
const TERMINAL: f64 = 44.0;
/// Room above a Parallel's or Map's branches for its name.
const HEADER: f64 = 38.0;
const INSET: f64 = 18.0;
const BRANCH_GAP: f64 = 28.0;
/// What layout-rs reserves per character of an edge label; about the
/// width of a character of the 12 px font the SVG uses.
const LABEL_FONT: usize = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Start,
    End,
    State,
    /// A Parallel or Map state: a frame around its branches.
    Group,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeBox {
    pub shape: Shape,
    /// The state's name (empty for Start and End).
    pub name: String,
    pub kind: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EdgePath {
    pub kind: EdgeKind,
    /// SVG path data.
    pub d: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

/// A laid-out definition, in its own coordinates from (0, 0).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Drawing {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<NodeBox>,
    pub edges: Vec<EdgePath>,
    pub labels: Vec<Label>,
}

impl Drawing {
    fn shift(&mut self, dx: f64, dy: f64) {
        for n in &mut self.nodes {
            n.x += dx;
            n.y += dy;
        }
        for l in &mut self.labels {
            l.x += dx;
            l.y += dy;
        }
        for e in &mut self.edges {
            e.d = shift_path(&e.d, dx, dy);
        }
    }

    fn absorb(&mut self, mut other: Drawing, dx: f64, dy: f64) {
        other.shift(dx, dy);
        self.nodes.extend(other.nodes);
        self.edges.extend(other.edges);
        self.labels.extend(other.labels);
    }
}

/// Lays out a whole definition, with Start and End around the top level.
/// `None` if the layout library gave up on it.
pub(crate) fn lay_out(outline: &Outline) -> Option<Drawing> {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lay_out_set(outline, true)));
    run.ok()
}

fn state_width(name: &str, kind: &str) -> f64 {
    let chars = name.chars().count().max(kind.chars().count() + 4) as f64;
    (chars * 7.6 + 36.0).max(120.0)
}

/// What the capturing backend saw of one layout: node rectangles by key,
/// edges, and edge labels.
#[derive(Default)]
struct Capture {
    rects: HashMap<String, (Point, Point)>,
    edges: Vec<(String, String)>,
    labels: Vec<(Point, String)>,
}

impl RenderBackend for Capture {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _: &StyleAttr,
        key: Option<String>,
        _: Option<ClipHandle>,
    ) {
        if let Some(key) = key {
            self.rects.insert(key, (xy, size));
        }
    }

    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_circle(&mut self, center: Point, size: Point, _: &StyleAttr, key: Option<String>) {
        if let Some(key) = key {
            let corner = Point::new(center.x - size.x / 2.0, center.y - size.y / 2.0);
            self.rects.insert(key, (corner, size));
        }
    }

    fn draw_text(&mut self, xy: Point, text: &str, _: &StyleAttr) {
        // Nodes carry no text of their own (the SVG writes their names), so
        // what is drawn here is the label of an edge.
        if !text.is_empty() {
            self.labels.push((xy, text.to_owned()));
        }
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _: bool,
        _: (bool, bool),
        _: &StyleAttr,
        kind: Option<String>,
        _: &str,
    ) {
        // layout-rs gives the exit point and its control point first, then
        // for each following point its entry control point and the point: a
        // cubic Bézier continued by smooth segments.
        if path.len() < 2 {
            return;
        }
        let mut d = format!(
            "M {:.1} {:.1} C {:.1} {:.1}, {:.1} {:.1}, {:.1} {:.1}",
            path[0].0.x,
            path[0].0.y,
            path[0].1.x,
            path[0].1.y,
            path[1].0.x,
            path[1].0.y,
            path[1].1.x,
            path[1].1.y
        );
        for (control, point) in &path[2..] {
            let _ = write!(
                d,
                " S {:.1} {:.1}, {:.1} {:.1}",
                control.x, control.y, point.x, point.y
            );
        }
        self.edges.push((kind.unwrap_or_default(), d));
    }

    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

fn edge_key(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Next => "next",
        EdgeKind::Choice => "choice",
        EdgeKind::Default => "default",
        EdgeKind::Catch => "catch",
    }
}

fn edge_kind(key: &str) -> EdgeKind {
    match key {
        "choice" => EdgeKind::Choice,
        "default" => EdgeKind::Default,
        "catch" => EdgeKind::Catch,
        _ => EdgeKind::Next,
    }
}

fn lay_out_set(set: &Outline, top: bool) -> Drawing {
    // Innermost first: each group's branches, side by side.
    let inner: Vec<Option<(Drawing, f64, f64)>> = set
        .states
        .iter()
        .map(|s| {
            if s.children.is_empty() {
                return None;
            }
            let branches: Vec<Drawing> = s.children.iter().map(|c| lay_out_set(c, false)).collect();
            let width = branches.iter().map(|b| b.width).sum::<f64>()
                + BRANCH_GAP * (branches.len().saturating_sub(1)) as f64;
            let height = branches.iter().map(|b| b.height).fold(0.0, f64::max);
            let mut joined = Drawing::default();
            let mut x = 0.0;
            for b in branches {
                let w = b.width;
                let dy = (height - b.height) / 2.0;
                joined.absorb(b, x, dy);
                x += w + BRANCH_GAP;
            }
            let w = (width + 2.0 * INSET).max(state_width(&s.name, &s.kind) + 2.0 * INSET);
            let h = height + HEADER + INSET;
            joined.width = width;
            Some((joined, w, h))
        })
        .collect();

    let style = StyleAttr::new(
        layout::core::color::Color::fast("black"),
        1,
        None,
        0,
        LABEL_FONT,
    );
    let mut vg = VisualGraph::new(Orientation::TopToBottom);
    let mut handles = HashMap::new();
    for (i, s) in set.states.iter().enumerate() {
        let size = match &inner[i] {
            Some((_, w, h)) => Point::new(*w, *h),
            None => Point::new(state_width(&s.name, &s.kind), NODE_HEIGHT),
        };
        let element = Element::create_with_properties(
            ShapeKind::new_box(""),
            style.clone(),
            Orientation::TopToBottom,
            size,
            format!("n{i}"),
        );
        handles.insert(s.name.as_str(), vg.add_node(element));
    }
    let terminal = |vg: &mut VisualGraph, key: &str| {
        vg.add_node(Element::create_with_properties(
            ShapeKind::new_circle(""),
            style.clone(),
            Orientation::TopToBottom,
            Point::splat(TERMINAL),
            key,
        ))
    };
    let ends = if top {
        let start = terminal(&mut vg, "start");
        let end = terminal(&mut vg, "end");
        if let Some(first) = handles.get(set.start_at.as_str()) {
            vg.add_edge(arrow("", EdgeKind::Next), start, *first);
        }
        Some(end)
    } else {
        None
    };

    // One edge per pair of states, its labels joined: two rules to the
    // same state read better as one arrow.
    let mut pairs: Vec<((usize, usize), EdgeKind, Vec<String>)> = Vec::new();
    let index: HashMap<&str, usize> = set
        .states
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    for (i, s) in set.states.iter().enumerate() {
        for e in &s.edges {
            let Some(&j) = index.get(e.to.as_str()) else {
                continue;
            };
            match pairs.iter_mut().find(|p| p.0 == (i, j)) {
                Some(p) => {
                    if !e.label.is_empty() {
                        p.2.push(e.label.clone());
                    }
                }
                None => pairs.push((
                    (i, j),
                    e.kind,
                    [e.label.clone()]
                        .into_iter()
                        .filter(|l| !l.is_empty())
                        .collect(),
                )),
            }
        }
    }
    for ((i, j), kind, labels) in pairs {
        let from = handles[set.states[i].name.as_str()];
        let to = handles[set.states[j].name.as_str()];
        vg.add_edge(arrow(&labels.join(" / "), kind), from, to);
    }
    if let Some(end) = ends {
        for s in set.states.iter().filter(|s| s.ends) {
            vg.add_edge(arrow("", EdgeKind::Next), handles[s.name.as_str()], end);
        }
    }

    let mut capture = Capture::default();
    vg.do_it(false, false, false, &mut capture);

    let mut drawing = Drawing::default();
    for (key, (corner, size)) in &capture.rects {
        let (shape, name, kind) = match key.as_str() {
            "start" => (Shape::Start, String::new(), String::new()),
            "end" => (Shape::End, String::new(), String::new()),
            n => {
                let Some(i) = n.strip_prefix('n').and_then(|i| i.parse::<usize>().ok()) else {
                    continue;
                };
                let s = &set.states[i];
                let shape = if inner[i].is_some() {
                    Shape::Group
                } else {
                    Shape::State
                };
                (shape, s.name.clone(), s.kind.clone())
            }
        };
        drawing.nodes.push(NodeBox {
            shape,
            name,
            kind,
            x: corner.x,
            y: corner.y,
            w: size.x,
            h: size.y,
        });
    }
    drawing.edges = capture
        .edges
        .into_iter()
        .map(|(k, d)| EdgePath {
            kind: edge_kind(&k),
            d,
        })
        .collect();
    drawing.labels = capture
        .labels
        .into_iter()
        .map(|(p, text)| Label {
            x: p.x,
            y: p.y,
            text,
        })
        .collect();
    // Groups first, so their branches draw over them.
    drawing
        .nodes
        .sort_by_key(|n| (n.shape != Shape::Group, n.name.clone()));

    // The branches of each group go inside its box.
    let groups: Vec<(usize, f64, f64, f64)> = drawing
        .nodes
        .iter()
        .filter(|n| n.shape == Shape::Group)
        .filter_map(|n| {
            let i = set.states.iter().position(|s| s.name == n.name)?;
            Some((i, n.x, n.y, n.w))
        })
        .collect();
    let mut inner = inner;
    for (i, x, y, w) in groups {
        if let Some((branches, _, _)) = inner[i].take() {
            let dx = x + (w - branches.width) / 2.0;
            drawing.absorb(branches, dx, y + HEADER);
        }
    }
    normalise(&mut drawing);
    drawing
}

fn arrow(label: &str, kind: EdgeKind) -> Arrow {
    let style = match kind {
        EdgeKind::Catch => LineStyleKind::Dashed,
        _ => LineStyleKind::Normal,
    };
    let mut look = StyleAttr::simple();
    look.font_size = LABEL_FONT;
    let mut a = Arrow::new(
        LineEndKind::None,
        LineEndKind::Arrow,
        style,
        label,
        &look,
        &None,
        &None,
    );
    a.properties = Some(edge_key(kind).to_owned());
    a
}

/// Moves everything so the drawing starts at (0, 0), with a margin.
fn normalise(d: &mut Drawing) {
    const MARGIN: f64 = 12.0;
    let mut min = Point::new(f64::MAX, f64::MAX);
    let mut max = Point::new(f64::MIN, f64::MIN);
    let mut grow = |x: f64, y: f64| {
        min = Point::new(min.x.min(x), min.y.min(y));
        max = Point::new(max.x.max(x), max.y.max(y));
    };
    for n in &d.nodes {
        grow(n.x, n.y);
        grow(n.x + n.w, n.y + n.h);
    }
    for l in &d.labels {
        let half = l.text.chars().count() as f64 * 3.5;
        grow(l.x - half, l.y - 8.0);
        grow(l.x + half, l.y + 8.0);
    }
    for e in &d.edges {
        for (x, y) in path_points(&e.d) {
            grow(x, y);
        }
    }
    if min.x > max.x {
        return;
    }
    d.shift(MARGIN - min.x, MARGIN - min.y);
    d.width = max.x - min.x + 2.0 * MARGIN;
    d.height = max.y - min.y + 2.0 * MARGIN;
}

/// The coordinate pairs of path data written by [`Capture`].
fn path_points(d: &str) -> Vec<(f64, f64)> {
    let numbers: Vec<f64> = d.split([' ', ',']).filter_map(|t| t.parse().ok()).collect();
    numbers
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| (c[0], c[1]))
        .collect()
}

fn shift_path(d: &str, dx: f64, dy: f64) -> String {
    let mut out = String::with_capacity(d.len());
    let mut x_next = true;
    for token in d.split(' ') {
        if !out.is_empty() {
            out.push(' ');
        }
        let (number, comma) = match token.strip_suffix(',') {
            Some(n) => (n, ","),
            None => (token, ""),
        };
        match number.parse::<f64>() {
            Ok(v) => {
                let moved = if x_next { v + dx } else { v + dy };
                x_next = !x_next;
                let _ = write!(out, "{moved:.1}{comma}");
            }
            Err(_) => out.push_str(token),
        }
    }
    out
}

/// The drawing as SVG, each state with the class of its status.
pub(crate) fn svg(d: &Drawing, status: &HashMap<String, StateStatus>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="graph" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}" role="img" aria-label="Workflow graph"><defs><marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>"#,
        w = d.width,
        h = d.height
    );
    let class_of = |name: &str| {
        status
            .get(name)
            .copied()
            .unwrap_or(StateStatus::NotReached)
            .class()
    };
    for n in d.nodes.iter().filter(|n| n.shape == Shape::Group) {
        let _ = write!(
            out,
            r#"<g class="node group s-{c}" data-state="{name}" tabindex="0" role="button"><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="10"/><text class="name" x="{tx:.1}" y="{ty:.1}">{name}</text><text class="kind" x="{kx:.1}" y="{ty:.1}">{kind}</text></g>"#,
            c = class_of(&n.name),
            name = escape(&n.name),
            kind = escape(&n.kind),
            x = n.x,
            y = n.y,
            w = n.w,
            h = n.h,
            tx = n.x + 14.0,
            kx = n.x + n.w - 14.0,
            ty = n.y + 24.0,
        );
    }
    for e in &d.edges {
        let _ = write!(
            out,
            r#"<path class="edge e-{}" d="{}" marker-end="url(#arrowhead)"/>"#,
            edge_key(e.kind),
            e.d
        );
    }
    for l in &d.labels {
        let _ = write!(
            out,
            r#"<text class="edge-label" x="{:.1}" y="{:.1}">{}</text>"#,
            l.x,
            l.y,
            escape(&l.text)
        );
    }
    for n in &d.nodes {
        let (cx, cy) = (n.x + n.w / 2.0, n.y + n.h / 2.0);
        match n.shape {
            Shape::Group => {}
            Shape::Start | Shape::End => {
                let word = if n.shape == Shape::Start {
                    "Start"
                } else {
                    "End"
                };
                let _ = write!(
                    out,
                    r#"<g class="terminal"><circle cx="{cx:.1}" cy="{cy:.1}" r="{r:.1}"/><text x="{cx:.1}" y="{ty:.1}">{word}</text></g>"#,
                    r = n.w / 2.0,
                    ty = cy + 4.0
                );
            }
            Shape::State => {
                let _ = write!(
                    out,
                    r#"<g class="node s-{c}" data-state="{name}" tabindex="0" role="button"><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="8"/><text class="name" x="{cx:.1}" y="{ny:.1}">{name}</text><text class="kind" x="{cx:.1}" y="{ky:.1}">{kind}</text></g>"#,
                    c = class_of(&n.name),
                    name = escape(&n.name),
                    kind = escape(&n.kind),
                    x = n.x,
                    y = n.y,
                    w = n.w,
                    h = n.h,
                    ny = cy - 2.0,
                    ky = cy + 14.0,
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests;
