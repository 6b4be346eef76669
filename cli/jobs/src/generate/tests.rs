use super::*;

#[test]
fn a_results_type_without_a_schema_is_told_apart_from_one_with() {
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct WithSchema {
        digest: String,
    }
    #[allow(dead_code)]
    struct WithoutSchema {
        digest: String,
    }
    let with = &Probe::<WithSchema>(std::marker::PhantomData);
    let schema = with.schema().expect("a derived schema");
    assert_eq!(schema["properties"]["digest"]["type"], "string");
    let without = &Probe::<WithoutSchema>(std::marker::PhantomData);
    assert_eq!(without.schema(), None);
}
