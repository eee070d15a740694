//! The two statements bulk writes are made of, per backend: SQLite binds every value
//! (multi-row VALUES, `IN (…)` lists; at most 32766 binds a statement); PostgreSQL
//! binds one array per column (`UNNEST`, `= ANY`), so the statement text and its plan
//! do not change with the batch and the batch can be larger.

use sqlx::{Postgres, QueryBuilder, Sqlite};

use super::columns::{FIELDS, Flat};

pub(crate) trait Bulk: sqlx::Database + Sized {
    /// Vulnerability rows per statement.
    const ROWS: usize;

    /// Appends the rows of `updater` to `INSERT INTO vulnerability (updater, hash, …) `.
    fn push_rows(query: &mut QueryBuilder<Self>, updater: &str, rows: &[Flat<'_>]);

    /// Appends a membership test of the preceding expression in `values`.
    fn push_in(query: &mut QueryBuilder<Self>, values: &[&str]);
}

impl Bulk for Sqlite {
    /// 29 binds a row.
    const ROWS: usize = 500;

    fn push_rows(query: &mut QueryBuilder<Self>, updater: &str, rows: &[Flat<'_>]) {
        query.push_values(rows, |mut row, flat| {
            row.push_bind(updater).push_bind(flat.hash.as_str());
            for field in flat.fields {
                row.push_bind(field);
            }
        });
    }

    fn push_in(query: &mut QueryBuilder<Self>, values: &[&str]) {
        query.push(" IN (");
        let mut list = query.separated(", ");
        for value in values {
            list.push_bind(*value);
        }
        query.push(")");
    }
}

impl Bulk for Postgres {
    const ROWS: usize = 5000;

    fn push_rows(query: &mut QueryBuilder<Self>, updater: &str, rows: &[Flat<'_>]) {
        query.push("SELECT ");
        query.push_bind(updater);
        query.push(", u.* FROM UNNEST(");
        query.push_bind(rows.iter().map(|f| f.hash.as_str()).collect::<Vec<&str>>());
        query.push("::text[]");
        for at in 0..FIELDS.len() {
            query.push(", ");
            let column: Vec<&str> = rows.iter().map(|f| f.fields[at]).collect();
            query.push_bind(column);
            query.push("::text[]");
        }
        query.push(") AS u");
    }

    fn push_in(query: &mut QueryBuilder<Self>, values: &[&str]) {
        query.push(" = ANY(");
        query.push_bind(values);
        query.push("::text[])");
    }
}
