#include "containerd/cri_client.h"

#include <grpcpp/grpcpp.h>

#include "cri_api.grpc.pb.h"

namespace mirrorgate {

struct CriClient::Stubs {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<runtime::v1::RuntimeService::Stub> runtime;
  std::unique_ptr<runtime::v1::ImageService::Stub> images;
};

namespace {

std::unique_ptr<grpc::ClientContext> context_with(std::chrono::milliseconds timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  return ctx;
}

void check(const grpc::Status& status, const std::string& what, const std::string& socket) {
  if (status.ok()) return;
  std::string code;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE: code = "unavailable"; break;
    case grpc::StatusCode::DEADLINE_EXCEEDED: code = "deadline exceeded"; break;
    case grpc::StatusCode::NOT_FOUND: code = "not found"; break;
    case grpc::StatusCode::UNIMPLEMENTED: code = "unimplemented (does the runtime serve CRI runtime.v1?)"; break;
    default: code = "code " + std::to_string(static_cast<int>(status.error_code()));
  }
  throw CriError(what + " via " + socket + ": " + code + ": " + status.error_message());
}

CriImage from_proto(const runtime::v1::Image& image) {
  CriImage out;
  out.id = image.id();
  out.repo_tags.assign(image.repo_tags().begin(), image.repo_tags().end());
  out.repo_digests.assign(image.repo_digests().begin(), image.repo_digests().end());
  out.size = image.size();
  return out;
}

}  // namespace

CriClient::CriClient(const std::string& socket) : socket_(socket), stubs_(std::make_unique<Stubs>()) {
  grpc::ChannelArguments args;
  // Image lists and verbose status can be large.
  args.SetMaxReceiveMessageSize(64 << 20);

  stubs_->channel = grpc::CreateCustomChannel("unix://" + socket, grpc::InsecureChannelCredentials(), args);
  stubs_->runtime = runtime::v1::RuntimeService::NewStub(stubs_->channel);
  stubs_->images = runtime::v1::ImageService::NewStub(stubs_->channel);
}

CriClient::~CriClient() = default;
CriClient::CriClient(CriClient&&) noexcept = default;
CriClient& CriClient::operator=(CriClient&&) noexcept = default;

CriVersion CriClient::version(std::chrono::milliseconds timeout) const {
  runtime::v1::VersionRequest request;
  request.set_version("v1");
  runtime::v1::VersionResponse response;
  auto ctx = context_with(timeout);
  check(stubs_->runtime->Version(ctx.get(), request, &response), "CRI Version", socket_);
  return {response.runtime_name(), response.runtime_version(), response.runtime_api_version()};
}

std::map<std::string, std::string> CriClient::status_info(std::chrono::milliseconds timeout) const {
  runtime::v1::StatusRequest request;
  request.set_verbose(true);
  runtime::v1::StatusResponse response;
  auto ctx = context_with(timeout);
  check(stubs_->runtime->Status(ctx.get(), request, &response), "CRI Status", socket_);
  return {response.info().begin(), response.info().end()};
}

std::string CriClient::pull_image(const std::string& image, std::chrono::milliseconds timeout) const {
  runtime::v1::PullImageRequest request;
  request.mutable_image()->set_image(image);
  runtime::v1::PullImageResponse response;
  auto ctx = context_with(timeout);
  check(stubs_->images->PullImage(ctx.get(), request, &response), "CRI PullImage " + image, socket_);
  return response.image_ref();
}

std::optional<CriImage> CriClient::image_status(const std::string& image, std::chrono::milliseconds timeout) const {
  runtime::v1::ImageStatusRequest request;
  request.mutable_image()->set_image(image);
  runtime::v1::ImageStatusResponse response;
  auto ctx = context_with(timeout);
  check(stubs_->images->ImageStatus(ctx.get(), request, &response), "CRI ImageStatus " + image, socket_);
  if (!response.has_image() || response.image().id().empty()) return std::nullopt;
  return from_proto(response.image());
}

std::vector<CriImage> CriClient::list_images(std::chrono::milliseconds timeout) const {
  runtime::v1::ListImagesRequest request;
  runtime::v1::ListImagesResponse response;
  auto ctx = context_with(timeout);
  check(stubs_->images->ListImages(ctx.get(), request, &response), "CRI ListImages", socket_);
  std::vector<CriImage> out;
  for (const auto& image : response.images()) out.push_back(from_proto(image));
  return out;
}

void CriClient::remove_image(const std::string& image, std::chrono::milliseconds timeout) const {
  runtime::v1::RemoveImageRequest request;
  request.mutable_image()->set_image(image);
  runtime::v1::RemoveImageResponse response;
  auto ctx = context_with(timeout);
  check(stubs_->images->RemoveImage(ctx.get(), request, &response), "CRI RemoveImage " + image, socket_);
}

}  // namespace mirrorgate
