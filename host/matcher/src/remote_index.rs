//! Index reports from the indexer's API, for a matcher running on its own
//! (`matcher.indexer_addr`), signed as `clair-intraservice`.

use futures::future::BoxFuture;
use scry_client::ServiceClient;
use scry_config::Psk;
use scry_config::psk::INTRASERVICE_ISSUER;
use scry_model::IndexReport;

use crate::service::IndexReports;

pub struct RemoteIndexer(ServiceClient);

impl RemoteIndexer {
    /// `base`: e.g. `http://indexer:6060`.
    pub fn new(base: &str, psk: Option<Psk>) -> RemoteIndexer {
        RemoteIndexer(ServiceClient::new(base, psk, INTRASERVICE_ISSUER))
    }
}

impl IndexReports for RemoteIndexer {
    fn index_report<'a>(
        &'a self,
        digest: &'a str,
    ) -> BoxFuture<'a, Result<Option<IndexReport>, String>> {
        Box::pin(async move {
            let request = self
                .0
                .get(&format!("/indexer/api/v1/index_report/{digest}"));
            self.0
                .json_unless_missing(request, &format!("asking the indexer for {digest}"))
                .await
                .map_err(|err| err.to_string())
        })
    }
}
