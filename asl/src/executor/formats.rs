//! Decoding an object an `ItemReader` read into the Map's items: a JSON array, JSON Lines,
//! or CSV rows as objects of strings keyed by the column headers (the CSV rows of an S3
//! Inventory's data files too).

use serde_json::{Map, Value};

/// Decodes `bytes` as InputType JSON: the object must hold one array.
pub(super) fn json_array(bytes: &[u8]) -> Result<Vec<Value>, String> {
    match serde_json::from_slice::<Value>(strip_bom(bytes)) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(other) => Err(format!(
            "the object holds JSON {}, not an array of items",
            crate::path::type_name(&other)
        )),
        Err(e) => Err(format!("the object is not valid JSON: {e}")),
    }
}

/// Decodes `bytes` as InputType JSONL: one JSON value a line (blank lines skipped).
pub(super) fn json_lines(bytes: &[u8]) -> Result<Vec<Value>, String> {
    let text = utf8(bytes)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| format!("line {} of the object is not valid JSON: {e}", i + 1))
        })
        .collect()
}

/// Decodes `bytes` as CSV: each row an object of its fields keyed by `headers`, or by the
/// first row when `headers` is none.
pub(super) fn csv(
    bytes: &[u8],
    headers: Option<&[String]>,
    delimiter: u8,
) -> Result<Vec<Value>, String> {
    let mut rows = csv_rows(utf8(bytes)?, delimiter as char)?.into_iter();
    let headers: Vec<String> = match headers {
        Some(h) => h.to_vec(),
        None => rows
            .next()
            .ok_or("the CSV object is empty: its first row should hold the column headers")?,
    };
    rows.enumerate()
        .map(|(i, row)| {
            if row.len() > headers.len() {
                return Err(format!(
                    "row {} of the CSV object has {} fields but there are {} column headers",
                    i + 1,
                    row.len(),
                    headers.len()
                ));
            }
            // A short row leaves its last columns empty.
            let mut m = Map::new();
            for (h, v) in headers
                .iter()
                .zip(row.into_iter().chain(std::iter::repeat(String::new())))
            {
                m.insert(h.clone(), Value::String(v));
            }
            Ok(Value::Object(m))
        })
        .collect()
}

/// The rows of a CSV text (RFC 4180: fields in double quotes may hold the delimiter, line
/// breaks and `""` for a quote). Blank lines are skipped.
pub(super) fn csv_rows(text: &str, delimiter: char) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    // Whether the current row has anything yet, so that a blank line makes no row.
    let mut started = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if field.is_empty() => {
                started = true;
                let open_line = line;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(ch) => {
                            if ch == '\n' {
                                line += 1;
                            }
                            field.push(ch)
                        }
                        None => {
                            return Err(format!(
                                "the CSV object has a quoted field opened on line {open_line} \
                                 that is never closed"
                            ))
                        }
                    }
                }
                match chars.peek() {
                    None | Some('\r') | Some('\n') => {}
                    Some(&ch) if ch == delimiter => {}
                    Some(_) => {
                        return Err(format!(
                            "line {line} of the CSV object has text after a quoted field's \
                             closing quote"
                        ))
                    }
                }
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                line += 1;
                if started {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                started = false;
            }
            c if c == delimiter => {
                started = true;
                row.push(std::mem::take(&mut field));
            }
            c => {
                started = true;
                field.push(c);
            }
        }
    }
    if started {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

pub(super) fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(strip_bom(bytes)).map_err(|e| format!("the object is not UTF-8 text: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_rows_become_objects_of_strings_keyed_by_the_first_row() {
        let text =
            "name,qty,note\r\nwidget,3,\"a, b\"\r\n\r\n\"say \"\"hi\"\"\",4,\"two\nlines\"\n";
        assert_eq!(
            csv(text.as_bytes(), None, b',').unwrap(),
            vec![
                json!({"name": "widget", "qty": "3", "note": "a, b"}),
                json!({"name": "say \"hi\"", "qty": "4", "note": "two\nlines"}),
            ]
        );
    }

    #[test]
    fn csv_with_given_headers_reads_every_row_as_data() {
        let h = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(
            csv(b"1|2\n3", Some(&h), b'|').unwrap(),
            vec![json!({"a": "1", "b": "2"}), json!({"a": "3", "b": ""})]
        );
    }

    #[test]
    fn malformed_csv_is_refused_with_the_line() {
        let e = csv(b"a,b\n1,2,3\n", None, b',').unwrap_err();
        assert!(e.contains("row 1") && e.contains("3 fields"), "{e}");
        let e = csv(b"a,b\n\"1,2\n", None, b',').unwrap_err();
        assert!(e.contains("never closed"), "{e}");
        let e = csv(b"a,b\n\"1\"x,2\n", None, b',').unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn json_must_be_an_array_and_jsonl_one_value_a_line() {
        assert_eq!(
            json_array(b"[1, {\"a\": 2}]").unwrap(),
            vec![json!(1), json!({"a": 2})]
        );
        assert!(json_array(b"{\"a\": 1}").unwrap_err().contains("an object"));
        assert!(json_array(b"[1,").unwrap_err().contains("not valid JSON"));
        assert_eq!(
            json_lines(b"{\"a\":1}\n\n[2]\n").unwrap(),
            vec![json!({"a": 1}), json!([2])]
        );
        assert!(json_lines(b"1\nnope\n").unwrap_err().contains("line 2"));
    }
}
