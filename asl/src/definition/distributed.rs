//! Parsing the fields only a distributed Map has: `ItemReader` (where the items come from, read from
//! S3 when the state runs: an object of InputType JSON, JSONL, CSV or MANIFEST, an S3 Inventory,
//! with s3:getObject, or a listing with s3:listObjectsV2) and `ItemBatcher` (items handed to each
//! iteration in batches).
//! `ResultWriter` (the child results written to S3 with s3:putObject).

use super::fields::Raw;
use super::model::{
    Amount, Distributed, InputType, ItemBatcher, ItemReader, ResultWriter, Selector, Source,
    Transformation,
};
use crate::error::DefinitionError;
use crate::path::Path;
use crate::template::Template;
use serde_json::{Map, Value};

pub(crate) const GET_OBJECT: &str = "arn:aws:states:::s3:getObject";
pub(crate) const LIST_OBJECTS: &str = "arn:aws:states:::s3:listObjectsV2";
pub(crate) const PUT_OBJECT: &str = "arn:aws:states:::s3:putObject";

/// The distributed Map settings of the Map state `s` whose item processor is `processor`:
/// none for an INLINE Map, which takes none of the fields only a distributed Map has.
pub(super) fn parse(
    s: &Raw<'_>,
    processor: &Map<String, Value>,
) -> Result<Option<Box<Distributed>>, DefinitionError> {
    let config = processor.get("ProcessorConfig");
    let mode = config
        .and_then(|c| c.get("Mode"))
        .and_then(Value::as_str)
        .unwrap_or("INLINE");
    if mode != "DISTRIBUTED" {
        for f in ["ItemReader", "ItemBatcher", "ResultWriter", "Label"] {
            if s.get(f).is_some() {
                return Err(s.err(
                    f,
                    "is for a distributed Map only: give the ItemProcessor \
                     \"ProcessorConfig\": {\"Mode\": \"DISTRIBUTED\", \"ExecutionType\": \"STANDARD\"}",
                ));
            }
        }
        return Ok(None);
    }
    let express = match config.and_then(|c| c.get("ExecutionType")) {
        None => false,
        Some(Value::String(t)) if t == "STANDARD" => false,
        Some(Value::String(t)) if t == "EXPRESS" => true,
        Some(other) => {
            return Err(s.err(
                "ItemProcessor.ProcessorConfig.ExecutionType",
                format!("must be STANDARD or EXPRESS, not {other}"),
            ))
        }
    };
    let label = s.get("Label").map(|v| label(s, v)).transpose()?;
    let reader = s.get("ItemReader").map(|v| item_reader(s, v)).transpose()?;
    let batcher = s
        .get("ItemBatcher")
        .map(|v| item_batcher(s, v))
        .transpose()?;
    let writer = s
        .get("ResultWriter")
        .map(|v| result_writer(s, v))
        .transpose()?;
    Ok(Some(Box::new(Distributed {
        reader,
        batcher,
        writer,
        label,
        express,
    })))
}

/// A Map Run's `Label`, which names it in ARNs: at most 40 characters, none of those an ARN
/// or a URL would need to escape.
fn label(s: &Raw<'_>, v: &Value) -> Result<String, DefinitionError> {
    let t = v
        .as_str()
        .ok_or_else(|| s.err("Label", format!("must be a string, not {v}")))?;
    if t.is_empty() || t.chars().count() > 40 {
        return Err(s.err("Label", "must be 1 to 40 characters long"));
    }
    if let Some(c) = t
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(*c))
    {
        return Err(s.err(
            "Label",
            format!("contains {c:?}, which a Map Run's ARN cannot hold (no whitespace, brackets, wildcards or any of \" # % \\ ^ | ~ ` $ & , ; : /)"),
        ));
    }
    Ok(t.to_owned())
}

fn object<'a>(
    s: &Raw<'_>,
    field: &str,
    v: &'a Value,
    allowed: &[&str],
) -> Result<&'a Map<String, Value>, DefinitionError> {
    let m = v
        .as_object()
        .ok_or_else(|| s.err(field, "must be an object"))?;
    for k in m.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(s.err(
                &format!("{field}.{k}"),
                format!("unsupported field (it takes {})", allowed.join(", ")),
            ));
        }
    }
    Ok(m)
}

fn item_reader(s: &Raw<'_>, v: &Value) -> Result<ItemReader, DefinitionError> {
    let params_field = if s.jsonata() {
        "Arguments"
    } else {
        "Parameters"
    };
    let m = object(
        s,
        "ItemReader",
        v,
        &["Resource", "ReaderConfig", params_field],
    )?;
    let resource = m
        .get("Resource")
        .and_then(Value::as_str)
        .ok_or_else(|| s.err("ItemReader.Resource", "missing (a string)"))?;
    let mut config_fields = vec![
        "InputType",
        "CSVHeaderLocation",
        "CSVHeaders",
        "CSVDelimiter",
        "MaxItems",
    ];
    if !s.jsonata() {
        config_fields.push("MaxItemsPath");
    }
    let config = match m.get("ReaderConfig") {
        Some(c) => object(s, "ItemReader.ReaderConfig", c, &config_fields)?.clone(),
        None => Map::new(),
    };
    let cfg = |k: &str| config.get(k);
    let cfg_str = |k: &str| -> Result<Option<&str>, DefinitionError> {
        cfg(k)
            .map(|v| {
                v.as_str().ok_or_else(|| {
                    s.err(&format!("ItemReader.ReaderConfig.{k}"), "must be a string")
                })
            })
            .transpose()
    };
    let source = match resource {
        GET_OBJECT => Source::Object(input_type(s, cfg_str("InputType")?, &config)?),
        LIST_OBJECTS => {
            if let Some(t) = cfg_str("InputType")? {
                return Err(s.err(
                    "ItemReader.ReaderConfig.InputType",
                    format!("{t} reads an object; s3:listObjectsV2 lists a bucket and takes no InputType"),
                ));
            }
            Source::Listing
        }
        other => {
            return Err(s.err(
                "ItemReader.Resource",
                format!(
                    "unsupported item reader {other}: this interpreter reads items from \
                     {GET_OBJECT} and {LIST_OBJECTS}"
                ),
            ))
        }
    };
    let max_items = amount(
        s,
        "ItemReader.ReaderConfig.MaxItems",
        cfg("MaxItems"),
        cfg_str("MaxItemsPath")?,
    )?;
    let params = match m.get(params_field) {
        None => None,
        Some(p) if s.jsonata() => Some(Selector::Jsonata(
            s.jtemplate_of(&format!("ItemReader.{params_field}"), p)?,
        )),
        Some(p) => Some(Selector::Path(
            Template::compile(p).map_err(|e| s.err("ItemReader.Parameters", e))?,
        )),
    };
    Ok(ItemReader {
        source,
        max_items,
        params,
    })
}

fn result_writer(s: &Raw<'_>, v: &Value) -> Result<ResultWriter, DefinitionError> {
    let params_field = if s.jsonata() {
        "Arguments"
    } else {
        "Parameters"
    };
    let m = object(
        s,
        "ResultWriter",
        v,
        &["Resource", "WriterConfig", params_field],
    )?;
    let config = match m.get("WriterConfig") {
        Some(c) => Some(object(
            s,
            "ResultWriter.WriterConfig",
            c,
            &["Transformation", "OutputType"],
        )?),
        None => None,
    };
    let setting =
        |k: &str, allowed: &[&'static str]| -> Result<Option<&'static str>, DefinitionError> {
            let Some(v) = config.and_then(|c| c.get(k)) else {
                return Ok(None);
            };
            allowed
                .iter()
                .find(|a| v.as_str() == Some(**a))
                .copied()
                .map(Some)
                .ok_or_else(|| {
                    s.err(
                        &format!("ResultWriter.WriterConfig.{k}"),
                        format!("{v} is not one of {}", allowed.join(", ")),
                    )
                })
        };
    let transformation = match setting("Transformation", &["NONE", "COMPACT", "FLATTEN"])? {
        Some("COMPACT") => Transformation::Compact,
        Some("FLATTEN") => Transformation::Flatten,
        _ => Transformation::None,
    };
    let jsonl = setting("OutputType", &["JSON", "JSONL"])? == Some("JSONL");
    let field = format!("ResultWriter.{params_field}");
    match (m.get("Resource"), m.get(params_field)) {
        (None, None) if config.is_some() => {
            return Ok(ResultWriter {
                params: None,
                transformation,
                jsonl,
            })
        }
        (None, _) => {
            return Err(s.err(
                "ResultWriter.Resource",
                format!(
                    "missing (a string: {PUT_OBJECT}, with {params_field} naming the Bucket \
                     and Prefix; or a WriterConfig alone, to shape the Map's result)"
                ),
            ))
        }
        (Some(Value::String(r)), _) if r == PUT_OBJECT => {}
        (Some(other), _) => {
            return Err(s.err(
                "ResultWriter.Resource",
                format!(
                    "unsupported result writer {other}: the results are written with {PUT_OBJECT}"
                ),
            ))
        }
    }
    let p = m
        .get(params_field)
        .ok_or_else(|| s.err(&field, "missing (an object with Bucket and Prefix)"))?;
    let params = if s.jsonata() {
        Selector::Jsonata(s.jtemplate_of(&field, p)?)
    } else {
        Selector::Path(Template::compile(p).map_err(|e| s.err(&field, e))?)
    };
    Ok(ResultWriter {
        params: Some(params),
        transformation,
        jsonl,
    })
}

fn input_type(
    s: &Raw<'_>,
    t: Option<&str>,
    config: &Map<String, Value>,
) -> Result<InputType, DefinitionError> {
    let field = "ItemReader.ReaderConfig.InputType";
    let t = t.ok_or_else(|| {
        s.err(
            field,
            "missing: s3:getObject reads an object of InputType JSON, JSONL, CSV or MANIFEST",
        )
    })?;
    let csv_only = ["CSVHeaderLocation", "CSVHeaders", "CSVDelimiter"];
    if t != "CSV" {
        if let Some(k) = csv_only.iter().find(|k| config.contains_key(**k)) {
            return Err(s.err(
                &format!("ItemReader.ReaderConfig.{k}"),
                if t == "MANIFEST" {
                    "is for InputType CSV, not MANIFEST: an S3 Inventory's data files are read \
                     with the manifest's fileSchema as their columns"
                        .to_owned()
                } else {
                    format!("is for InputType CSV, not {t}")
                },
            ));
        }
    }
    Ok(match t {
        "JSON" => InputType::Json,
        "JSONL" => InputType::Jsonl,
        "CSV" => {
            let location = config
                .get("CSVHeaderLocation")
                .map(|v| v.as_str().unwrap_or_default())
                .unwrap_or("FIRST_ROW");
            let headers = match location {
                "FIRST_ROW" if config.contains_key("CSVHeaders") => {
                    return Err(s.err(
                        "ItemReader.ReaderConfig.CSVHeaders",
                        "is for CSVHeaderLocation GIVEN; with FIRST_ROW the headers are the \
                         file's first row",
                    ))
                }
                "FIRST_ROW" => None,
                "GIVEN" => Some(csv_headers(s, config.get("CSVHeaders"))?),
                other => {
                    return Err(s.err(
                        "ItemReader.ReaderConfig.CSVHeaderLocation",
                        format!("must be FIRST_ROW or GIVEN, not {other}"),
                    ))
                }
            };
            let delimiter = match config.get("CSVDelimiter").map(|v| v.as_str()) {
                None | Some(Some("COMMA")) => b',',
                Some(Some("PIPE")) => b'|',
                Some(Some("SEMICOLON")) => b';',
                Some(Some("SPACE")) => b' ',
                Some(Some("TAB")) => b'\t',
                Some(_) => {
                    return Err(s.err(
                        "ItemReader.ReaderConfig.CSVDelimiter",
                        "must be COMMA, PIPE, SEMICOLON, SPACE or TAB",
                    ))
                }
            };
            InputType::Csv { headers, delimiter }
        }
        "MANIFEST" => InputType::Manifest,
        "PARQUET" => {
            return Err(s.err(
                field,
                format!(
                    "InputType {t} is not supported by this interpreter yet; it reads JSON, \
                     JSONL and CSV objects, S3 Inventory manifests (MANIFEST) and \
                     s3:listObjectsV2 listings"
                ),
            ))
        }
        other => {
            return Err(s.err(
                field,
                format!("must be JSON, JSONL, CSV, MANIFEST or PARQUET, not {other}"),
            ))
        }
    })
}

fn csv_headers(s: &Raw<'_>, v: Option<&Value>) -> Result<Vec<String>, DefinitionError> {
    let field = "ItemReader.ReaderConfig.CSVHeaders";
    let list = v
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            s.err(
                field,
                "CSVHeaderLocation GIVEN needs CSVHeaders, a non-empty array of column names",
            )
        })?;
    list.iter()
        .map(|h| {
            h.as_str()
                .map(str::to_owned)
                .ok_or_else(|| s.err(field, "column names must be strings"))
        })
        .collect()
}

/// A count field and its `Path` form (`field` names the literal form).
fn amount(
    s: &Raw<'_>,
    field: &str,
    lit: Option<&Value>,
    path: Option<&str>,
) -> Result<Option<Amount>, DefinitionError> {
    match (lit, path) {
        (Some(_), Some(_)) => Err(s.err(
            &format!("{field}Path"),
            format!("{field} and {field}Path are exclusive"),
        )),
        (Some(v), None) => {
            if s.jsonata() {
                if let Some(e) = s.expr(field, v)? {
                    return Ok(Some(Amount::Jsonata(e)));
                }
            }
            s.non_negative_int(field, v)?;
            Ok(Some(Amount::Fixed(v.clone())))
        }
        (None, Some(p)) => Ok(Some(Amount::Path(
            Path::parse(p).map_err(|e| s.err(&format!("{field}Path"), e))?,
        ))),
        (None, None) => Ok(None),
    }
}

fn item_batcher(s: &Raw<'_>, v: &Value) -> Result<ItemBatcher, DefinitionError> {
    let allowed: &[&str] = if s.jsonata() {
        &["MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"]
    } else {
        &[
            "MaxItemsPerBatch",
            "MaxItemsPerBatchPath",
            "MaxInputBytesPerBatch",
            "MaxInputBytesPerBatchPath",
            "BatchInput",
        ]
    };
    let m = object(s, "ItemBatcher", v, allowed)?;
    let path = |k: &str| -> Result<Option<&str>, DefinitionError> {
        m.get(k)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| s.err(&format!("ItemBatcher.{k}"), "must be a path"))
            })
            .transpose()
    };
    let max_items = amount(
        s,
        "ItemBatcher.MaxItemsPerBatch",
        m.get("MaxItemsPerBatch"),
        path("MaxItemsPerBatchPath")?,
    )?;
    let max_bytes = amount(
        s,
        "ItemBatcher.MaxInputBytesPerBatch",
        m.get("MaxInputBytesPerBatch"),
        path("MaxInputBytesPerBatchPath")?,
    )?;
    if max_items.is_none() && max_bytes.is_none() {
        return Err(s.err(
            "ItemBatcher",
            "needs MaxItemsPerBatch or MaxInputBytesPerBatch (or their Path forms)",
        ));
    }
    let batch_input = match m.get("BatchInput") {
        None => None,
        Some(b) if !b.is_object() => {
            return Err(s.err("ItemBatcher.BatchInput", "must be an object"))
        }
        Some(b) if s.jsonata() => Some(Selector::Jsonata(
            s.jtemplate_of("ItemBatcher.BatchInput", b)?,
        )),
        Some(b) => Some(Selector::Path(
            Template::compile(b).map_err(|e| s.err("ItemBatcher.BatchInput", e))?,
        )),
    };
    Ok(ItemBatcher {
        max_items,
        max_bytes,
        batch_input,
    })
}
