// Thin syscall shim. No protocol logic lives here: every function maps to
// one system call. Socket addresses and control messages arrive and leave as
// raw bytes that TypeScript codecs build and parse. Failures are thrown as
// one shape: { errno, code, syscall }.
#include <napi.h>
#include <cerrno>
#include <cstring>
#include <string>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// strerrorname_np gives 'EPERM' for EPERM (glibc >= 2.32).
const char* ErrnoCode(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : "EUNKNOWN";
}

Napi::Value ThrowErrno(Napi::Env env, const char* syscall, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("code", Napi::String::New(env, ErrnoCode(err)));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

int IntArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

// A Buffer (or undefined/null) argument viewed as bytes.
struct Bytes {
  const uint8_t* data = nullptr;
  size_t len = 0;
};
Bytes BytesArg(const Napi::CallbackInfo& info, size_t i) {
  Bytes b;
  if (i < info.Length() && info[i].IsBuffer()) {
    auto buf = info[i].As<Napi::Buffer<uint8_t>>();
    b.data = buf.Data();
    b.len = buf.Length();
  }
  return b;
}

Napi::Value Socket(const Napi::CallbackInfo& info) {
  int fd = socket(IntArg(info, 0), IntArg(info, 1) | SOCK_CLOEXEC | SOCK_NONBLOCK, IntArg(info, 2));
  if (fd < 0) return ThrowErrno(info.Env(), "socket", errno);
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  if (close(IntArg(info, 0)) < 0) return ThrowErrno(info.Env(), "close", errno);
  return info.Env().Undefined();
}

Napi::Value Bind(const Napi::CallbackInfo& info) {
  Bytes addr = BytesArg(info, 1);
  if (bind(IntArg(info, 0), reinterpret_cast<const sockaddr*>(addr.data), addr.len) < 0)
    return ThrowErrno(info.Env(), "bind", errno);
  return info.Env().Undefined();
}

Napi::Value Connect(const Napi::CallbackInfo& info) {
  Bytes addr = BytesArg(info, 1);
  if (connect(IntArg(info, 0), reinterpret_cast<const sockaddr*>(addr.data), addr.len) < 0)
    return ThrowErrno(info.Env(), "connect", errno);
  return info.Env().Undefined();
}

// sendto(fd, data, addr?, flags?) -> bytes sent. addr null means connected.
Napi::Value SendTo(const Napi::CallbackInfo& info) {
  Bytes data = BytesArg(info, 1);
  Bytes addr = BytesArg(info, 2);
  int flags = info.Length() > 3 && info[3].IsNumber() ? IntArg(info, 3) : 0;
  ssize_t n = sendto(IntArg(info, 0), data.data, data.len, flags | MSG_NOSIGNAL,
                     reinterpret_cast<const sockaddr*>(addr.data), addr.len);
  if (n < 0) return ThrowErrno(info.Env(), "sendto", errno);
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

// setsockopt(fd, level, name, value) where value is an int or raw bytes.
Napi::Value SetSockOpt(const Napi::CallbackInfo& info) {
  int rc;
  if (info[3].IsNumber()) {
    int v = IntArg(info, 3);
    rc = setsockopt(IntArg(info, 0), IntArg(info, 1), IntArg(info, 2), &v, sizeof v);
  } else {
    Bytes b = BytesArg(info, 3);
    rc = setsockopt(IntArg(info, 0), IntArg(info, 1), IntArg(info, 2), b.data, b.len);
  }
  if (rc < 0) return ThrowErrno(info.Env(), "setsockopt", errno);
  return info.Env().Undefined();
}

Napi::Value SetProcessName(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (prctl(PR_SET_NAME, name.c_str(), 0, 0, 0) < 0) return ThrowErrno(info.Env(), "prctl", errno);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("socket", Napi::Function::New(env, Socket));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("bind", Napi::Function::New(env, Bind));
  exports.Set("connect", Napi::Function::New(env, Connect));
  exports.Set("sendto", Napi::Function::New(env, SendTo));
  exports.Set("setsockopt", Napi::Function::New(env, SetSockOpt));
  exports.Set("setProcessName", Napi::Function::New(env, SetProcessName));
  return exports;
}

}  // namespace

NODE_API_MODULE(keepalived_native, Init)
