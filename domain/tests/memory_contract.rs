//! The in-memory store holds to the same `JobStore` contract as SQLite and
//! DynamoDB, so tests built on it say something about the real stores.

mod contract {
    use jobs_domain::testing::contract::Subject;
    use jobs_domain::testing::MemoryStore;

    async fn subject() -> Subject {
        Subject::new(MemoryStore::default())
    }

    jobs_domain::job_store_contract!(subject());
}
