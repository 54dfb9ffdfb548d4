//! Offset pages and a stream over all of them.

use std::future::Future;

use futures_util::Stream;
use serde::{Deserialize, Serialize};

use crate::error::LoyaltyError;

/// Which page to fetch: `offset` items skipped, at most `limit` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PageRequest {
    /// Items to skip.
    pub offset: u32,
    /// Items per page (at least 1).
    pub limit: u32,
}

impl PageRequest {
    /// The first page of `limit` items (a `limit` of 0 is read as 1).
    pub fn first(limit: u32) -> Self {
        Self {
            offset: 0,
            limit: limit.max(1),
        }
    }

    /// A page at `offset` of `limit` items.
    pub fn new(offset: u32, limit: u32) -> Self {
        Self {
            offset,
            limit: limit.max(1),
        }
    }

    /// The page after this one.
    pub fn next(self) -> Self {
        Self {
            offset: self.offset.saturating_add(self.limit),
            limit: self.limit,
        }
    }
}

impl Default for PageRequest {
    /// The first page of 10.
    fn default() -> Self {
        Self::first(10)
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The request for the next page, or `None` when this is the last one.
    pub next: Option<PageRequest>,
    /// Total number of items, when the provider says.
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// A page from offset-paged results: when fewer than `req.limit` items came back, it is the
    /// last page (the rule for APIs that do not report a total).
    pub fn from_offset(items: Vec<T>, req: PageRequest) -> Self {
        let full = u32::try_from(items.len()).unwrap_or(u32::MAX) >= req.limit;
        Self {
            items,
            next: full.then(|| req.next()),
            total: None,
        }
    }

    /// A page cut from a complete list held in memory (for providers that return everything at
    /// once, and sandboxes).
    pub fn slice(all: &[T], req: PageRequest) -> Self
    where
        T: Clone,
    {
        let start = usize::try_from(req.offset)
            .unwrap_or(usize::MAX)
            .min(all.len());
        let end = start
            .saturating_add(usize::try_from(req.limit).unwrap_or(usize::MAX))
            .min(all.len());
        Self {
            items: all[start..end].to_vec(),
            next: (end < all.len()).then(|| req.next()),
            total: Some(all.len() as u64),
        }
    }

    /// A page with explicit parts.
    pub fn new(items: Vec<T>, next: Option<PageRequest>, total: Option<u64>) -> Self {
        Self { items, next, total }
    }

    /// Maps the items.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
            total: self.total,
        }
    }
}

/// Walks every page, starting at `first`, yielding items one by one. Stops after the page whose
/// `next` is `None` (or an empty page), and after the first error.
pub fn paginate<T, F, Fut>(
    first: PageRequest,
    fetch: F,
) -> impl Stream<Item = Result<T, LoyaltyError>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, LoyaltyError>>,
{
    use futures_util::{TryStreamExt, stream};
    stream::try_unfold((Some(first), fetch), |(req, mut fetch)| async move {
        let Some(req) = req else {
            return Ok::<_, LoyaltyError>(None);
        };
        let page = fetch(req).await?;
        let next = if page.items.is_empty() {
            None
        } else {
            page.next
        };
        Ok(Some((
            stream::iter(page.items.into_iter().map(Ok)),
            (next, fetch),
        )))
    })
    .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    #[tokio::test]
    async fn walks_three_pages() {
        let all: Vec<u32> = (1..=7).collect();
        let mut calls = Vec::new();
        let items: Vec<u32> = paginate(PageRequest::first(3), |req| {
            calls.push(req.offset);
            let page = Page::slice(&all, req);
            async move { Ok(page) }
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, all);
        assert_eq!(calls, vec![0, 3, 6]);
    }

    #[tokio::test]
    async fn stops_at_the_first_error() {
        let items: Vec<Result<u32, LoyaltyError>> =
            futures_util::StreamExt::collect(paginate(PageRequest::first(2), |req| async move {
                if req.offset == 0 {
                    Ok(Page::from_offset(vec![1, 2], req))
                } else {
                    Err(LoyaltyError::Config("boom".into()))
                }
            }))
            .await;
        assert_eq!(items.len(), 3);
        assert!(items[2].is_err());
    }

    #[test]
    fn offset_pages_end_when_short() {
        let p = Page::from_offset(vec![1, 2], PageRequest::new(4, 3));
        assert_eq!(p.next, None);
        let p = Page::from_offset(vec![1, 2, 3], PageRequest::new(4, 3));
        assert_eq!(p.next, Some(PageRequest::new(7, 3)));
    }
}
