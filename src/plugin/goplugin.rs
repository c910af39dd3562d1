//! go-plugin's services beside Terraform's: the controller (`Shutdown`) and the stdio stream.

use tokio::sync::mpsc;
use tonic::{Request, Response, Status};

use super::proto::plugin as goplugin;

/// `plugin.GRPCController`: Terraform's `Shutdown` tells the process to exit.
pub struct Controller {
    pub shutdown: mpsc::Sender<()>,
}

#[tonic::async_trait]
impl goplugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: Request<goplugin::Empty>,
    ) -> Result<Response<goplugin::Empty>, Status> {
        // The receiver may already be gone when a second Shutdown races the first.
        let _ = self.shutdown.try_send(());
        Ok(Response::new(goplugin::Empty {}))
    }
}

/// `plugin.GRPCStdio`: our stdout and stderr are not redirected, so the stream stays open and
/// silent until the process ends.
pub struct Stdio;

#[tonic::async_trait]
impl goplugin::grpc_stdio_server::GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<tonic::codegen::BoxStream<goplugin::StdioData>>, Status> {
        Ok(Response::new(Box::pin(tokio_stream::pending())))
    }
}
