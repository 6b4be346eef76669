//! A distributed Map's `ItemReader`: its Parameters (or Arguments) name the S3 object or
//! prefix, the [`ObjectSource`](super::ObjectSource) gives the bytes or the listing, and
//! `formats` decodes them into the items (`inventory` reads an S3 Inventory, InputType
//! MANIFEST, through its manifest's data files); `MaxItems` keeps the first ones. Also the
//! counts both the reader and the batcher take (`MaxItems`, `MaxItemsPerBatch`, ...).

mod inventory;

use super::formats;
use super::jsonata as js;
use super::objects::{ObjectError, ObjectInfo};
use super::Executor;
use crate::definition::{Amount, InputType, ItemReader, Selector, Source, State};
use crate::error::Failure;
use crate::jsonata::{JValue, Site};
use crate::path::Env;
use serde_json::{json, Value};

/// AWS's error for a Map whose item reader could not read its items.
pub(crate) const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";

/// What to read, with everything evaluated: no expression state is held while reading.
struct Request {
    bucket: String,
    /// The Key of getObject, or the Prefix of listObjectsV2.
    name: String,
    max_items: u64,
}

impl Executor {
    /// The items of the Map `st`, read by its `reader`.
    pub(super) async fn read_items(
        &self,
        st: &State,
        reader: &ItemReader,
        input: &Value,
        env: &Env<'_>,
    ) -> Result<Vec<Value>, Failure> {
        let req = request(st, reader, input, env)?;
        let Some(objects) = &self.objects else {
            return Err(Failure::runtime(format!(
                "The Map state '{}' reads its items from S3 (ItemReader), and no stand-in for \
                 S3 is set: give one (jobs workflow run --s3-dir DIR, with the objects as \
                 DIR/bucket/key)",
                st.name
            )));
        };
        let failed = |e: ObjectError| Failure::new(ITEM_READER_FAILED, e.to_string());
        let mut items = match &reader.source {
            Source::Listing => objects
                .list(&req.bucket, &req.name)
                .await
                .map_err(failed)?
                .iter()
                .map(listed)
                .collect(),
            Source::Object(t) => {
                let bytes = objects.get(&req.bucket, &req.name).await.map_err(failed)?;
                let decoded = match t {
                    InputType::Json => formats::json_array(&bytes),
                    InputType::Jsonl => formats::json_lines(&bytes),
                    InputType::Csv { headers, delimiter } => {
                        formats::csv(&bytes, headers.as_deref(), *delimiter)
                    }
                    InputType::Manifest => {
                        inventory::items(objects.as_ref(), &bytes, req.max_items).await
                    }
                };
                decoded.map_err(|e| {
                    Failure::new(
                        ITEM_READER_FAILED,
                        format!("s3://{}/{}: {e}", req.bucket, req.name),
                    )
                })?
            }
        };
        if req.max_items > 0 {
            items.truncate(req.max_items as usize);
        }
        Ok(items)
    }
}

/// An object of a listing as the Map gets it.
fn listed(o: &ObjectInfo) -> Value {
    json!({
        "Etag": o.etag,
        "Key": o.key,
        "LastModified": o.last_modified.timestamp(),
        "Size": o.size,
        "StorageClass": o.storage_class,
    })
}

fn request(
    st: &State,
    reader: &ItemReader,
    input: &Value,
    env: &Env<'_>,
) -> Result<Request, Failure> {
    let states = matches!(reader.params, Some(Selector::Jsonata(_)))
        .then(|| js::states(st, input, env.context, None, None))
        .or_else(|| {
            matches!(reader.max_items, Some(Amount::Jsonata(_)))
                .then(|| js::states(st, input, env.context, None, None))
        });
    let (field, params) = match &reader.params {
        None => ("Parameters", json!({})),
        Some(Selector::Path(t)) => ("Parameters", t.eval_in(input, env)?),
        Some(Selector::Jsonata(t)) => (
            "Arguments",
            t.eval(
                states.as_ref().expect("JSONata"),
                env.vars,
                &st.name,
                "ItemReader.Arguments",
            )?,
        ),
    };
    let text = |k: &str, required: bool| -> Result<String, Failure> {
        match params.get(k) {
            Some(Value::String(s)) => Ok(s.clone()),
            None if !required => Ok(String::new()),
            other => Err(Failure::runtime(format!(
                "The ItemReader of the Map state '{}' needs {k} in its {field}, a string; it \
                 has {}",
                st.name,
                other.map_or("none".to_owned(), Value::to_string)
            ))),
        }
    };
    let name = match reader.source {
        Source::Object(_) => text("Key", true)?,
        Source::Listing => text("Prefix", false)?,
    };
    let max_items = reader
        .max_items
        .as_ref()
        .map(|a| {
            count(
                a,
                st,
                input,
                env,
                states.as_ref(),
                "ItemReader.ReaderConfig.MaxItems",
            )
        })
        .transpose()?
        .unwrap_or(0);
    Ok(Request {
        bucket: text("Bucket", true)?,
        name,
        max_items,
    })
}

/// A non-negative count field (`field` names its literal form), read as the state runs.
pub(super) fn count(
    a: &Amount,
    st: &State,
    input: &Value,
    env: &Env<'_>,
    states: Option<&JValue>,
    field: &str,
) -> Result<u64, Failure> {
    let v = super::dataflow::amount_value(a, &st.name, input, env, states, field)?;
    if let Amount::Jsonata(e) = a {
        let site = Site {
            state: &st.name,
            field,
        };
        return v
            .as_u64()
            .ok_or_else(|| e.unexpected(site, "a non-negative integer", &v));
    }
    v.as_u64().ok_or_else(|| {
        Failure::runtime(format!(
            "The {field}Path field of the Map state '{}' refers to {}, which is not a \
             non-negative integer",
            st.name, v
        ))
    })
}
