//! Merged statements: placeholders, positional binding on SQLite, multi-row `INSERT`s built
//! from a bot's `Write`s, and the migration files' statements.

use chrono::Utc;
use sqlx::{Any, AssertSqlSafe, Transaction};

use super::StoreError;
use crate::handler::{Value, Write};

/// Bound values per merged statement, at most. SQLite looks a `$n` placeholder up by a linear
/// walk of the statement's parameter list, when it prepares the statement and again when sqlx
/// binds each value, so a statement with `n` placeholders costs O(n²); [`merged`] gives SQLite
/// plain `?` placeholders instead (bound in order, no lookup), so merging is linear and each
/// statement saves a round trip to the database thread. Under SQLite's old default limit of
/// 999 variables.
pub(super) const MAX_BOUND: usize = 960;

/// A merged statement of a size that varies, for `conn`'s backend: on SQLite its `$n`
/// placeholders become `?` when they run 1, 2, 3… through the text ([`positional`]); as written
/// otherwise. Not kept in the connection's statement cache (a statement per row count would
/// fill it, and memory with it).
pub(super) fn merged<'q>(
    conn: &sqlx::AnyConnection,
    sql: String,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    let sql = if conn.backend_name() == "SQLite" {
        positional(&sql).unwrap_or(sql)
    } else {
        sql
    };
    sqlx::query(AssertSqlSafe(sql)).persistent(false)
}

/// `sql` with its `$1, $2, …` placeholders as `?`, when each appears once and in order (quoted
/// text skipped); `None` otherwise.
pub(super) fn positional(sql: &str) -> Option<String> {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let (mut next, mut last, mut i, mut quoted) = (1usize, 0usize, 0usize, false);
    while i < b.len() {
        match b[i] {
            b'\'' => quoted = !quoted,
            b'$' if !quoted => {
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits > 0 {
                    let n: usize = sql[i + 1..i + 1 + digits].parse().ok()?;
                    if n != next {
                        return None;
                    }
                    next += 1;
                    out.push_str(&sql[last..i]);
                    out.push('?');
                    i += 1 + digits;
                    last = i;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&sql[last..]);
    Some(out)
}

/// Rows of `per_row` values each in one merged statement (at least one).
pub(super) fn rows_for(per_row: usize) -> usize {
    (MAX_BOUND / per_row.max(1)).max(1)
}

pub(super) fn seq_base() -> i64 {
    Utc::now().timestamp_micros().saturating_mul(1000)
}

pub(super) fn bind_value<'q>(
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    v: &Value,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    match v {
        Value::Text(t) => q.bind(t.clone()),
        Value::Int(i) => q.bind(*i),
    }
}

/// `$from, $from+1, …` (`n` placeholders).
/// `items` in groups of equal `key`, each group in the items' order, groups in order of first
/// appearance.
pub(super) fn grouped<'a, T, K: PartialEq + Copy>(
    items: &'a [T],
    key: impl Fn(&T) -> K,
) -> Vec<(K, Vec<&'a T>)> {
    let mut out: Vec<(K, Vec<&'a T>)> = Vec::new();
    for item in items {
        let k = key(item);
        match out.iter_mut().find(|(g, _)| *g == k) {
            Some((_, v)) => v.push(item),
            None => out.push((k, vec![item])),
        }
    }
    out
}

/// `($from, $from+1), …`: `n` tuples of `cols` placeholders each.
pub(super) fn tuples(from: usize, n: usize, cols: usize) -> String {
    (0..n)
        .map(|r| format!("({})", list(from + r * cols, cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn list(from: usize, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('$');
        s.push_str(&(from + i).to_string());
    }
    s
}

/// `($1, $2, …), ($k, …)` for `rows` rows of `cols` placeholders.
pub(super) fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::new();
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

pub(super) async fn exec_write(tx: &mut Transaction<'_, Any>, w: &Write) -> Result<(), StoreError> {
    let mut q = sqlx::query(w.sql);
    for v in &w.args {
        q = bind_value(q, v);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Runs `append` writes of one statement as one multi-row INSERT (`VALUES (…), (…)`, the
/// placeholders renumbered per row); a statement of another shape runs row by row.
pub(super) async fn exec_appends(
    tx: &mut Transaction<'_, Any>,
    ws: &[&Write],
) -> Result<(), StoreError> {
    let Some(first) = ws.first() else {
        return Ok(());
    };
    let sql = first.sql;
    let upper = sql.to_ascii_uppercase();
    let tuple = upper
        .rfind("VALUES")
        .map(|at| sql[at + "VALUES".len()..].trim())
        .filter(|t| t.starts_with('(') && t.ends_with(')') && !t.contains(';'));
    let (Some(tuple), true) = (tuple, ws.len() > 1) else {
        for w in ws {
            exec_write(tx, w).await?;
        }
        return Ok(());
    };
    let head = &sql[..sql.len() - tuple.len()];
    let n = first.args.len();
    let mut text = String::from(head);
    for (r, _) in ws.iter().enumerate() {
        if r > 0 {
            text.push_str(", ");
        }
        text.push_str(&renumber(tuple, r * n));
    }
    let mut q = merged(&*tx, text);
    for w in ws {
        for v in &w.args {
            q = bind_value(q, v);
        }
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Runs `chat_upsert` writes of one statement as one multi-row statement: the `VALUES` tuple
/// repeated per row (placeholders renumbered), the rest (`ON CONFLICT …`) once. A statement of
/// another shape (no tuple, or placeholders after it) runs row by row.
pub(super) async fn exec_keyed(
    tx: &mut Transaction<'_, Any>,
    ws: &[&Write],
) -> Result<(), StoreError> {
    let Some(first) = ws.first() else {
        return Ok(());
    };
    let split = values_tuple(first.sql).filter(|(_, _, tail)| !tail.contains('$'));
    let (Some((head, tuple, tail)), true) = (split, ws.len() > 1) else {
        for w in ws {
            exec_write(tx, w).await?;
        }
        return Ok(());
    };
    let n = first.args.len();
    let mut text = String::with_capacity(head.len() + tail.len() + ws.len() * (tuple.len() + 8));
    text.push_str(head);
    for r in 0..ws.len() {
        if r > 0 {
            text.push_str(", ");
        }
        text.push_str(&renumber(tuple, r * n));
    }
    text.push_str(tail);
    let mut q = merged(&*tx, text);
    for w in ws {
        for v in &w.args {
            q = bind_value(q, v);
        }
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Splits `INSERT … VALUES (…) rest` into the text before the tuple, the tuple (parentheses
/// balanced, quoted text skipped) and the rest.
pub(super) fn values_tuple(sql: &str) -> Option<(&str, &str, &str)> {
    let upper = sql.to_ascii_uppercase();
    let at = upper.find("VALUES")? + "VALUES".len();
    let open = at + sql[at..].find(|c: char| !c.is_whitespace())?;
    if !sql[open..].starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    let mut quoted = false;
    for (i, c) in sql[open..].char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    let end = open + i + 1;
                    return Some((&sql[..open], &sql[open..end], &sql[end..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// `($1, $2)` with `offset` 2 → `($3, $4)`.
pub(super) fn renumber(tuple: &str, offset: usize) -> String {
    let mut out = String::with_capacity(tuple.len() + 8);
    let mut chars = tuple.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut num = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                num.push(d);
                chars.next();
            }
            let k: usize = num.parse().unwrap_or(0);
            out.push('$');
            out.push_str(&(k + offset).to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a migration file into statements at `;` line ends, dropping `--` comments (the
/// runtime's own migrations, and a bot's that keeps its tables beside them on the same store).
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let line = line.split("--").next().unwrap_or_default();
        if line.trim().is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(cur.trim().trim_end_matches(';').to_owned());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_then_columns() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(1, 1), "($1)");
        assert_eq!(tuples(4, 2, 2), "($4, $5), ($6, $7)");
    }

    #[test]
    fn placeholders_in_order_become_positional_for_sqlite() {
        assert_eq!(
            positional("UPDATE t SET a = $1 WHERE b IN ($2, $3) AND c = 'x$4'").as_deref(),
            Some("UPDATE t SET a = ? WHERE b IN (?, ?) AND c = 'x$4'")
        );
        assert_eq!(
            positional("VALUES ($1, $2), ($3, $4)").as_deref(),
            Some("VALUES (?, ?), (?, ?)")
        );
        // A placeholder used twice, or out of order, keeps its number.
        assert_eq!(positional("SET a = $1, b = $1"), None);
        assert_eq!(positional("SET a = $2, b = $1"), None);
        assert_eq!(positional("$10").as_deref(), None);
    }

    #[test]
    fn groups_keep_the_order_of_first_appearance() {
        let items = [("a", 1), ("b", 2), ("a", 3)];
        let g = grouped(&items, |i| i.0);
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].0, g[0].1.len(), g[0].1[1].1), ("a", 2, 3));
        assert_eq!((g[1].0, g[1].1[0].1), ("b", 2));
    }

    #[test]
    fn append_rows_renumber_their_placeholders() {
        assert_eq!(renumber("($1, $2, 'a$', 1)", 2), "($3, $4, 'a$', 1)");
        assert_eq!(renumber("($10, $9)", 10), "($20, $19)");
    }

    #[test]
    fn upserts_split_around_their_values_tuple() {
        let (head, tuple, tail) = values_tuple(
            "INSERT INTO t (a, b, c) VALUES ($1, '(x)', $2) ON CONFLICT (a) DO UPDATE SET b = excluded.b",
        )
        .unwrap();
        assert_eq!(head, "INSERT INTO t (a, b, c) VALUES ");
        assert_eq!(tuple, "($1, '(x)', $2)");
        assert_eq!(tail, " ON CONFLICT (a) DO UPDATE SET b = excluded.b");
        assert!(values_tuple("UPDATE t SET a = $1").is_none());
    }

    #[test]
    fn statements_split_at_semicolons() {
        let s = split_statements("-- c\nCREATE TABLE a (x TEXT);\nCREATE INDEX i\n ON a (x);\n");
        assert_eq!(
            s,
            vec!["CREATE TABLE a (x TEXT)", "CREATE INDEX i\n ON a (x)"]
        );
    }
}
