use super::*;
use serde_json::json;

fn sel(p: &str, v: &Value) -> Option<Value> {
    Path::parse(p)
        .unwrap()
        .select(v, &Value::Null)
        .map(|c| c.into_owned())
}

#[test]
fn dot_and_bracket_names() {
    let v = json!({"a": {"b c": [1, {"d": 2}]}});
    assert_eq!(sel("$.a['b c'][1].d", &v), Some(json!(2)));
    assert_eq!(sel("$['a'][\"b c\"][0]", &v), Some(json!(1)));
    assert_eq!(sel("$", &v), Some(v.clone()));
    assert_eq!(sel("$.a.missing", &v), None);
    assert_eq!(sel("$.a['b c'][5]", &v), None);
}

#[test]
fn negative_index_counts_from_end() {
    let v = json!([1, 2, 3]);
    assert_eq!(sel("$[-1]", &v), Some(json!(3)));
    assert_eq!(sel("$[-4]", &v), None);
}

#[test]
fn wildcards_slices_unions() {
    let v = json!({"items": [{"n": 1}, {"n": 2}, {"n": 3}, {"x": 4}]});
    assert_eq!(sel("$.items[*].n", &v), Some(json!([1, 2, 3])));
    assert_eq!(sel("$.items[1:3].n", &v), Some(json!([2, 3])));
    assert_eq!(sel("$.items[::2].n", &v), Some(json!([1, 3])));
    assert_eq!(sel("$.items[-2:]", &v), Some(json!([{"n": 3}, {"x": 4}])));
    assert_eq!(sel("$.items[0,2].n", &v), Some(json!([1, 3])));
    assert_eq!(sel("$.items[0]['n','x']", &v), Some(json!([1])));
    assert_eq!(sel("$.*", &json!({"a": 1})), Some(json!([1])));
    // An indefinite path that matches nothing gives [], as Jayway (and so AWS) gives it,
    // even where the path's fixed part is missing.
    assert_eq!(sel("$.items[*].zz", &v), Some(json!([])));
    for p in [
        "$.missing[*]",
        "$.missing[1:]",
        "$.missing[:1]",
        "$.items[9:]",
    ] {
        assert_eq!(sel(p, &v), Some(json!([])), "{p}");
    }
    assert_eq!(sel("$[*]", &json!("text")), Some(json!([])));
    assert!(!Path::parse("$.a[*]").unwrap().is_definite());
}

#[test]
fn take_moves_the_selected_node() {
    let p = Path::parse("$.a[1].b").unwrap();
    let v = json!({"a": [0, {"b": {"c": 1}}], "z": 2});
    assert_eq!(p.take(v, &Value::Null), Some(json!({"c": 1})));
    assert_eq!(p.take(json!({"a": []}), &Value::Null), None);
    let p = Path::parse("$$.x").unwrap();
    assert_eq!(p.take(json!({}), &json!({"x": 3})), Some(json!(3)));
}

#[test]
fn context_reads() {
    let chain = ["Execution", "Input"];
    let reads = |p: &str| Path::parse(p).unwrap().may_read_context(&chain);
    assert!(reads("$$"));
    assert!(reads("$$.Execution"));
    assert!(reads("$$.Execution.Input.a"));
    assert!(reads("$$.*"));
    assert!(!reads("$$.Execution.Id"));
    assert!(!reads("$$.State.Name"));
    assert!(!reads("$.Execution.Input"));
}

#[test]
fn filters() {
    let v = json!({"items": [
        {"n": 1, "tag": "a"}, {"n": 5, "tag": "b"}, {"n": 9}, {"tag": "c"}, "scalar"
    ]});
    assert_eq!(sel("$.items[?(@.n > 3)].n", &v), Some(json!([5, 9])));
    assert_eq!(sel("$.items[?(@.n <= 5)].n", &v), Some(json!([1, 5])));
    assert_eq!(sel("$.items[?(@.tag == 'b')].n", &v), Some(json!([5])));
    assert_eq!(sel("$.items[?(@.tag != \"b\")].n", &v), Some(json!([1, 9])));
    assert_eq!(
        sel("$.items[?(@.tag)].tag", &v),
        Some(json!(["a", "b", "c"]))
    );
    assert_eq!(sel("$.items[?(@.n == 100)]", &v), Some(json!([])));
    assert_eq!(sel("$[?(@ > 1)]", &json!([1, 2, 3])), Some(json!([2, 3])));
}

#[test]
fn filters_join_tests_with_and_and_or() {
    let pets = json!({"pets": [
        {"species": "cat", "age": 3}, {"species": "cat", "age": 7},
        {"species": "dog", "age": 2}, {"species": "a && b", "age": 1}
    ]});
    assert_eq!(
        sel("$.pets[?(@.species == 'cat' && @.age<5)].age", &pets),
        Some(json!([3]))
    );
    assert_eq!(
        sel("$.pets[?(@.species == 'dog' || @.age > 5)].age", &pets),
        Some(json!([7, 2]))
    );
    // `&&` binds tighter than `||`.
    assert_eq!(
        sel(
            "$.pets[?(@.age == 1 || @.species == 'cat' && @.age < 5)].age",
            &pets
        ),
        Some(json!([3, 1]))
    );
    // An operator inside a quoted literal is part of the literal.
    assert_eq!(
        sel("$.pets[?(@.species == 'a && b')].age", &pets),
        Some(json!([1]))
    );
    assert!(Path::parse("$.pets[?(@.age > 1 && )]").is_err());
}

#[test]
fn context_root() {
    let p = Path::parse("$$.Execution.Id").unwrap();
    assert_eq!(p.root(), Root::Context);
    let ctx = json!({"Execution": {"Id": "x"}});
    assert_eq!(
        p.select(&Value::Null, &ctx).unwrap().into_owned(),
        json!("x")
    );
}

#[test]
fn bad_paths_are_rejected() {
    for bad in [
        "a.b",
        "$.",
        "$[",
        "$['a'",
        "$[x]",
        "$..a",
        "$[?(a)]",
        "$[?(@.a == x)]",
        "$[(1)]",
        "$[1:2:0]",
        "$a-b",
        "$1a",
    ] {
        assert!(Path::parse(bad).is_err(), "{bad} should not parse");
    }
    assert!(Path::parse_reference("$.a[*]").is_err());
    assert!(Path::parse_reference("$$.Execution").is_err());
    assert!(Path::parse_reference("$x.a").is_err());
}

#[test]
fn variable_paths_read_variables() {
    struct One(Value);
    impl VarSource for One {
        fn var(&self, name: &str) -> Option<&Value> {
            (name == "order").then_some(&self.0)
        }
    }
    let vars = One(json!({"items": [{"sku": "A"}, {"sku": "B"}]}));
    let env = Env {
        context: &Value::Null,
        vars: &vars,
    };
    let p = Path::parse("$order.items[1].sku").unwrap();
    assert_eq!(p.root(), Root::Variable);
    assert_eq!(p.variable(), Some("order"));
    assert_eq!(
        p.select_in(&json!({}), &env).unwrap().into_owned(),
        json!("B")
    );
    assert_eq!(
        Path::parse("$order")
            .unwrap()
            .select_in(&json!({}), &env)
            .unwrap()
            .into_owned(),
        vars.0
    );
    assert!(Path::parse("$other.x")
        .unwrap()
        .select_in(&json!({}), &env)
        .is_none());
    // Without variables a variable path finds nothing.
    assert!(p.select(&json!({}), &Value::Null).is_none());
}

#[test]
fn set_creates_nested_objects() {
    let p = Path::parse_reference("$.a.b.c").unwrap();
    let out = p.set(json!({"x": 1}), json!(5)).unwrap();
    assert_eq!(out, json!({"x": 1, "a": {"b": {"c": 5}}}));
    let p = Path::parse_reference("$.x").unwrap();
    assert_eq!(p.set(json!({"x": 1}), json!(2)).unwrap(), json!({"x": 2}));
    let p = Path::parse_reference("$").unwrap();
    assert_eq!(p.set(json!({"x": 1}), json!(2)).unwrap(), json!(2));
    let p = Path::parse_reference("$.l[1]").unwrap();
    assert_eq!(
        p.set(json!({"l": [0, 0]}), json!(9)).unwrap(),
        json!({"l": [0, 9]})
    );
}

#[test]
fn set_into_a_scalar_fails() {
    let p = Path::parse_reference("$.x.y").unwrap();
    assert!(p.set(json!({"x": "str"}), json!(1)).is_err());
    assert!(p.set(json!("str"), json!(1)).is_err());
    let p = Path::parse_reference("$.l[3]").unwrap();
    assert!(p.set(json!({"l": [1]}), json!(1)).is_err());
}

/// The forms Jayway reads (and so AWS does) that real-world definitions use: a dot before a
/// bracket, and a filter that compares with a node of the document.
#[test]
fn jayway_forms() {
    let v = json!({"items": [{"body": "a", "id": 1}, {"body": "b", "id": 2}], "wanted": 2});
    assert_eq!(sel("$.items.[0].body", &v), Some(json!("a")));
    assert_eq!(sel("$.[0]", &json!([7, 8])), Some(json!(7)));
    assert_eq!(sel("$.items.[*].body", &v), Some(json!(["a", "b"])));
    assert_eq!(
        sel(
            "$.[*].['bucket','key']",
            &json!([{"bucket": "b", "key": "k", "x": 1}])
        ),
        Some(json!(["b", "k"]))
    );
    assert_eq!(
        sel("$.items[?(@.id == $.wanted)].body", &v),
        Some(json!(["b"]))
    );
    assert_eq!(
        sel("$.items[?(@.id != $.wanted)].body", &v),
        Some(json!(["a"]))
    );
    assert!(Path::parse("$.items[?(@.id == $.a[*])]").is_err());
    // A bare word is no literal (Jayway reads it as a number and fails): still refused.
    assert!(Path::parse("$.items[?(@.id == wanted)]").is_err());
    assert!(Path::parse("$.a.").is_err());
}

/// In a quoted key only the enclosing quote is escaped: `['Test\""Name"']` is the key
/// `Test\""Name"`, as AWS read it in a recorded execution.
#[test]
fn bracket_keys_keep_other_backslashes() {
    let v = json!({"Test\\\"\"Name\"": "Value", "it's": 1});
    assert_eq!(sel(r#"$['Test\""Name"']"#, &v), Some(json!("Value")));
    assert_eq!(sel(r"$['it\'s']", &v), Some(json!(1)));
}
