//! A reply with a picture is queued like text (stored as base64 in the outbox), keeps its place
//! in the chat's order, survives a restart, and is delivered as a photo with its caption.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use async_trait::async_trait;
use messenger_core::{ChatRef, Image, InMemoryMessenger, Messenger, MessengerKind, Update};
use messenger_runtime::{
    Context, Handler, HandlerError, Outcome, Reply, ReplyImage, Runtime, RuntimeConfig, Store,
    StoreOptions,
};

struct Silent;

#[async_trait]
impl Handler for Silent {
    type State = ();

    async fn handle(
        &self,
        _cx: &Context,
        _update: &Update,
        _state: Option<()>,
    ) -> Result<Outcome<()>, HandlerError> {
        Ok(Outcome::none())
    }
}

#[tokio::test]
async fn a_queued_picture_survives_a_restart_and_is_sent_as_a_photo_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("rt.db").display());
    let png: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let chat = ChatRef::private(MessengerKind::InMemory, 7i64);
    {
        let store = Store::connect(&url, StoreOptions::default()).await.unwrap();
        let replies = [
            Reply::new("before"),
            Reply::new("Ваша картка").image(ReplyImage::Bytes {
                data: png.clone(),
                file_name: "card.png".into(),
                mime_type: "image/png".into(),
            }),
            Reply::new("by URL").image(ReplyImage::Url {
                url: "https://example.com/p.jpg".into(),
            }),
        ];
        assert!(store.enqueue_push("e-1", &chat, &replies).await.unwrap());
        // Stopped before anything was delivered.
    }
    let m = Arc::new(InMemoryMessenger::new());
    let store = Store::connect(&url, StoreOptions::default()).await.unwrap();
    let rt = Runtime::new(
        store,
        m.clone() as Arc<dyn Messenger>,
        Silent,
        RuntimeConfig::default(),
    );
    rt.drain().await;
    let sent = m.sent(7);
    assert_eq!(
        sent.iter().map(|r| r.text()).collect::<Vec<_>>(),
        ["before", "Ваша картка", "by URL"]
    );
    assert!(sent[0].content.image.is_none());
    match &sent[1].content.image {
        Some(Image::Bytes {
            data,
            file_name,
            mime_type,
        }) => {
            assert_eq!(data.as_ref(), png.as_slice());
            assert_eq!(
                (file_name.as_str(), mime_type.as_str()),
                ("card.png", "image/png")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sent[2].content.image,
        Some(Image::url("https://example.com/p.jpg"))
    );
}
