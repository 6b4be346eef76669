//! The parsed definition's data model: state sets, states and their kinds,
//! and the values their fields hold. The parsers in the sibling modules
//! build it; the executor reads it.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use crate::choice::Rule;
use crate::intrinsics::Intrinsic;
use crate::jsonata::{Expr, JTemplate};
use crate::path::Path;
use crate::retry::Retrier;
use crate::template::Template;

/// One sequence of states: the top level, a Parallel branch or a Map's item processor.
#[derive(Debug)]
pub(crate) struct StateSet {
    pub start: usize,
    pub states: Vec<State>,
    pub index: HashMap<Arc<str>, usize>,
}

/// The query language of a state: JSONPath (the default) or JSONata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueryLanguage {
    JsonPath,
    Jsonata,
}

/// A state's or a catcher's `Assign`: a payload template in JSONPath (where `$` is the
/// state's result, error output or effective input), `{% %}` expressions in JSONata.
#[derive(Debug)]
pub(crate) enum Assign {
    Path(Vec<(String, Template)>),
    Jsonata(Vec<(String, JTemplate)>),
}

impl Assign {
    pub(crate) fn names(&self) -> Vec<&str> {
        match self {
            Assign::Path(v) => v.iter().map(|(k, _)| k.as_str()).collect(),
            Assign::Jsonata(v) => v.iter().map(|(k, _)| k.as_str()).collect(),
        }
    }
}

#[derive(Debug)]
pub(crate) enum IoPath {
    Root,
    Null,
    Path(Path),
}

#[derive(Debug)]
pub(crate) enum ResultPath {
    Replace,
    Discard,
    At(Path),
}

#[derive(Debug)]
pub(crate) struct Catcher {
    pub error_equals: Vec<String>,
    /// JSONPath catchers.
    pub result_path: ResultPath,
    /// JSONata catchers: the state's output instead of the error output.
    pub output: Option<JTemplate>,
    pub assign: Option<Assign>,
    pub next: usize,
}

#[derive(Debug)]
pub(crate) enum Seconds {
    Fixed(u64),
    Path(Path),
    Jsonata(Expr),
}

/// A Map's tolerated failures (a count or a percentage of its items), read when it runs.
#[derive(Debug)]
pub(crate) enum Amount {
    Fixed(Value),
    Path(Path),
    Jsonata(Expr),
}

#[derive(Debug)]
pub(crate) enum WaitFor {
    Seconds(Seconds),
    Timestamp(DateTime<FixedOffset>),
    TimestampPath(Path),
    TimestampExpr(Expr),
}

/// A Choice rule: its condition (a JSONPath rule or a JSONata `Condition`), the state it
/// leads to, and what it assigns and outputs when it matches.
#[derive(Debug)]
pub(crate) struct Choice {
    pub cond: Cond,
    pub next: usize,
    pub assign: Option<Assign>,
    pub output: Option<JTemplate>,
}

#[derive(Debug)]
pub(crate) enum Cond {
    Rule(Rule),
    Jsonata(Expr),
}

/// A Map's `ItemSelector` (or `Parameters`).
#[derive(Debug)]
pub(crate) enum Selector {
    Path(Template),
    Jsonata(JTemplate),
}

impl From<Seconds> for WaitFor {
    fn from(s: Seconds) -> Self {
        WaitFor::Seconds(s)
    }
}

#[derive(Debug)]
pub(crate) enum Text {
    None,
    Literal(String),
    Path(Path),
    Intrinsic(Intrinsic),
    Jsonata(Expr),
}

#[derive(Debug)]
pub(crate) enum Kind {
    Pass {
        result: Option<Value>,
    },
    Task {
        resource: Arc<str>,
        resource_type: Arc<str>,
        resource_name: Arc<str>,
        timeout: Option<Seconds>,
        heartbeat: Option<Seconds>,
        /// `Credentials`: the role the task would run as, recorded in its TaskScheduled event.
        credentials: Option<Credentials>,
    },
    Choice {
        choices: Vec<Choice>,
        default: Option<usize>,
    },
    Wait(WaitFor),
    Succeed,
    Fail {
        error: Text,
        cause: Text,
    },
    Parallel {
        branches: Vec<StateSet>,
    },
    Map {
        items_path: Option<Path>,
        /// JSONata `Items`: an array, or an expression that gives one.
        items: Option<JTemplate>,
        item_selector: Option<Selector>,
        max_concurrency: Option<Seconds>,
        tolerated_count: Option<Box<Amount>>,
        tolerated_percentage: Option<Box<Amount>>,
        /// The settings of a distributed Map; none for an INLINE one.
        distributed: Option<Box<Distributed>>,
        processor: Box<StateSet>,
    },
}

/// A Task's `Credentials` (`{"RoleArn": ...}`), a template of either query language.
#[derive(Debug)]
pub(crate) enum Credentials {
    Path(Template),
    Jsonata(JTemplate),
}

#[derive(Debug)]
pub(crate) struct State {
    pub name: Arc<str>,
    pub ql: QueryLanguage,
    pub kind: Kind,
    /// JSONata `Arguments` (Task, Parallel).
    pub arguments: Option<JTemplate>,
    /// JSONata `Output`.
    pub output: Option<JTemplate>,
    pub assign: Option<Assign>,
    pub input_path: IoPath,
    pub output_path: IoPath,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: ResultPath,
    /// `None` ends the state set (End: true, or a terminal state).
    pub next: Option<usize>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    /// Whether anything in this state reads the context object, which is then built.
    pub needs_context: bool,
    pub reads_execution_input: bool,
}

/// A distributed Map (`ProcessorConfig.Mode` DISTRIBUTED): its iterations are child
/// executions of a Map Run, and its items may come from an `ItemReader`.
#[derive(Debug, Default)]
pub(crate) struct Distributed {
    pub reader: Option<ItemReader>,
    pub batcher: Option<ItemBatcher>,
    pub writer: Option<ResultWriter>,
    /// `Label`: names the Map Run and its children's state machine in their ARNs.
    pub label: Option<String>,
    /// `ExecutionType` EXPRESS: the children are Express executions.
    pub express: bool,
}

/// A Map's `ResultWriter`: s3:putObject of the child results under `Bucket`/`Prefix`, and
/// how they are shaped (`WriterConfig`).
#[derive(Debug)]
pub(crate) struct ResultWriter {
    /// `Parameters` (JSONPath) or `Arguments` (JSONata): Bucket and Prefix. None: only a
    /// WriterConfig, the results then being the Map's result.
    pub params: Option<Selector>,
    pub transformation: Transformation,
    /// `OutputType` JSONL: the result files hold JSON Lines instead of an array.
    pub jsonl: bool,
}

/// `WriterConfig.Transformation`: what a succeeded child's result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transformation {
    /// Its output with the execution's details (the default with Resource and Parameters).
    None,
    /// Its output.
    Compact,
    /// Its output, an array's elements taken one by one.
    Flatten,
}

#[derive(Debug)]
pub(crate) struct ItemReader {
    pub source: Source,
    /// `ReaderConfig.MaxItems` / `MaxItemsPath`: read at most this many items (0: all).
    pub max_items: Option<Amount>,
    /// `Parameters` (JSONPath) or `Arguments` (JSONata): Bucket with Key or Prefix.
    pub params: Option<Selector>,
}

/// What the reader reads: one object decoded as `InputType`, or the listing of a bucket.
#[derive(Debug)]
pub(crate) enum Source {
    Object(InputType),
    Listing,
}

#[derive(Debug)]
pub(crate) enum InputType {
    Json,
    Jsonl,
    Csv {
        /// `CSVHeaders` when `CSVHeaderLocation` is GIVEN; the first row otherwise.
        headers: Option<Vec<String>>,
        delimiter: u8,
    },
    /// An Amazon S3 Inventory `manifest.json`: the items are the rows of the gzip-compressed
    /// CSV data files it lists, keyed by its `fileSchema`.
    Manifest,
}

#[derive(Debug)]
pub(crate) struct ItemBatcher {
    pub max_items: Option<Amount>,
    pub max_bytes: Option<Amount>,
    pub batch_input: Option<Selector>,
}

impl Distributed {
    pub(crate) fn paths<'a>(&'a self, out: &mut Vec<&'a Path>) {
        let mut amount = |a: &'a Option<Amount>| {
            if let Some(Amount::Path(p)) = a {
                out.push(p);
            }
        };
        if let Some(r) = &self.reader {
            amount(&r.max_items);
        }
        if let Some(b) = &self.batcher {
            amount(&b.max_items);
            amount(&b.max_bytes);
        }
        for s in self.selectors() {
            if let Selector::Path(t) = s {
                t.paths(out);
            }
        }
    }

    pub(crate) fn exprs<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        let mut amount = |a: &'a Option<Amount>| {
            if let Some(Amount::Jsonata(e)) = a {
                out.push(e);
            }
        };
        if let Some(r) = &self.reader {
            amount(&r.max_items);
        }
        if let Some(b) = &self.batcher {
            amount(&b.max_items);
            amount(&b.max_bytes);
        }
        for s in self.selectors() {
            if let Selector::Jsonata(t) = s {
                t.exprs(out);
            }
        }
    }

    fn selectors(&self) -> impl Iterator<Item = &Selector> {
        let r = self.reader.as_ref().and_then(|r| r.params.as_ref());
        let b = self.batcher.as_ref().and_then(|b| b.batch_input.as_ref());
        let w = self.writer.as_ref().and_then(|w| w.params.as_ref());
        r.into_iter().chain(b).chain(w)
    }
}
