//! A distributed Map's `ItemBatcher`: the items (after ItemSelector) go to the iterations in
//! batches of at most MaxItemsPerBatch items and MaxInputBytesPerBatch bytes, each
//! iteration's input being `{"Items": [...]}` with `BatchInput` beside them when given.

use super::jsonata as js;
use super::reader::count;
use crate::definition::{ItemBatcher, Selector, State};
use crate::error::Failure;
use crate::path::Env;
use serde_json::{Map, Value};

/// The iterations' inputs for `items`, batched by `b`.
pub(super) fn batches(
    st: &State,
    b: &ItemBatcher,
    input: &Value,
    env: &Env<'_>,
    items: Vec<Value>,
) -> Result<Vec<Value>, Failure> {
    let states = st
        .ql
        .eq(&crate::definition::QueryLanguage::Jsonata)
        .then(|| js::states(st, input, env.context, None, None));
    let limit = |a: &Option<crate::definition::Amount>, field: &str| {
        a.as_ref()
            .map(|a| count(a, st, input, env, states.as_ref(), field))
            .transpose()
            .map(|n| n.filter(|n| *n > 0).map(|n| n as usize))
    };
    let max_items = limit(&b.max_items, "ItemBatcher.MaxItemsPerBatch")?;
    let max_bytes = limit(&b.max_bytes, "ItemBatcher.MaxInputBytesPerBatch")?;
    let batch_input = match &b.batch_input {
        None => None,
        Some(Selector::Path(t)) => Some(t.eval_in(input, env)?),
        Some(Selector::Jsonata(t)) => Some(t.eval(
            states.as_ref().expect("JSONata"),
            env.vars,
            &st.name,
            "ItemBatcher.BatchInput",
        )?),
    };
    let wrap = |items: Vec<Value>| {
        let mut m = Map::new();
        if let Some(b) = &batch_input {
            m.insert("BatchInput".to_owned(), b.clone());
        }
        m.insert("Items".to_owned(), Value::Array(items));
        Value::Object(m)
    };
    // The size of an empty batch's input; each item adds its own size and a comma.
    let empty = wrap(Vec::new()).to_string().len();
    let mut out = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    let mut bytes = empty;
    for item in items {
        let len = item.to_string().len();
        let full = max_items.is_some_and(|n| current.len() >= n)
            || max_bytes.is_some_and(|n| bytes + len + usize::from(!current.is_empty()) > n);
        // A batch holds at least one item, however large.
        if full && !current.is_empty() {
            out.push(wrap(std::mem::take(&mut current)));
            bytes = empty;
        }
        bytes += len + usize::from(!current.is_empty());
        current.push(item);
    }
    if !current.is_empty() {
        out.push(wrap(current));
    }
    Ok(out)
}
