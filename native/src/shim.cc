// Thin syscall shim. No protocol logic lives here: every function maps to
// one system call. Socket addresses and control messages arrive and leave as
// raw bytes that TypeScript codecs build and parse. Failures are thrown as
// one shape: { errno, code, syscall }.
#include <napi.h>
#include <uv.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <linux/filter.h>
#include <net/if.h>
#include <sched.h>
#include <string>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <vector>

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

// getsockopt(fd, level, name, len) -> Buffer of the length the kernel wrote.
Napi::Value GetSockOpt(const Napi::CallbackInfo& info) {
  std::vector<uint8_t> buf(static_cast<size_t>(IntArg(info, 3)));
  socklen_t len = buf.size();
  if (getsockopt(IntArg(info, 0), IntArg(info, 1), IntArg(info, 2), buf.data(), &len) < 0)
    return ThrowErrno(info.Env(), "getsockopt", errno);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), buf.data(), len);
}

// attachFilter(fd, program): SO_ATTACH_FILTER with raw struct sock_filter
// bytes (8 each); the option wants a pointer, which TS cannot build.
Napi::Value AttachFilter(const Napi::CallbackInfo& info) {
  Bytes prog = BytesArg(info, 1);
  sock_fprog fprog{static_cast<unsigned short>(prog.len / sizeof(sock_filter)),
                   reinterpret_cast<sock_filter*>(const_cast<uint8_t*>(prog.data))};
  if (setsockopt(IntArg(info, 0), SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) < 0)
    return ThrowErrno(info.Env(), "setsockopt", errno);
  return info.Env().Undefined();
}

// getsockname(fd) -> raw sockaddr bytes (netlink needs the kernel-assigned port id).
Napi::Value GetSockName(const Napi::CallbackInfo& info) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(IntArg(info, 0), reinterpret_cast<sockaddr*>(&ss), &len) < 0)
    return ThrowErrno(info.Env(), "getsockname", errno);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), reinterpret_cast<uint8_t*>(&ss), len);
}

// sendmsg(fd, data, addr?, control?, flags?) -> bytes sent.
Napi::Value SendMsg(const Napi::CallbackInfo& info) {
  Bytes data = BytesArg(info, 1);
  Bytes addr = BytesArg(info, 2);
  Bytes control = BytesArg(info, 3);
  int flags = info.Length() > 4 && info[4].IsNumber() ? IntArg(info, 4) : 0;
  iovec iov{const_cast<uint8_t*>(data.data), data.len};
  msghdr msg{};
  msg.msg_name = const_cast<uint8_t*>(addr.data);
  msg.msg_namelen = addr.len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = const_cast<uint8_t*>(control.data);
  msg.msg_controllen = control.len;
  ssize_t n = sendmsg(IntArg(info, 0), &msg, flags | MSG_NOSIGNAL);
  if (n < 0) return ThrowErrno(info.Env(), "sendmsg", errno);
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

// recvmsg(fd, maxLen, controlLen, flags?) -> { data, addr, control, flags, length }
// or null when the socket has nothing to read (EAGAIN). `length` is the
// datagram's real size when MSG_TRUNC is passed in flags; data is clipped to maxLen.
Napi::Value RecvMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static thread_local std::vector<uint8_t> dataBuf, controlBuf;
  dataBuf.resize(static_cast<size_t>(IntArg(info, 1)));
  controlBuf.resize(static_cast<size_t>(IntArg(info, 2)));
  int flags = info.Length() > 3 && info[3].IsNumber() ? IntArg(info, 3) : 0;
  sockaddr_storage ss{};
  iovec iov{dataBuf.data(), dataBuf.size()};
  msghdr msg{};
  msg.msg_name = &ss;
  msg.msg_namelen = sizeof ss;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = controlBuf.empty() ? nullptr : controlBuf.data();
  msg.msg_controllen = controlBuf.size();
  ssize_t n;
  do n = recvmsg(IntArg(info, 0), &msg, flags | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return env.Null();
    return ThrowErrno(env, "recvmsg", errno);
  }
  size_t kept = static_cast<size_t>(n) < dataBuf.size() ? static_cast<size_t>(n) : dataBuf.size();
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<uint8_t>::Copy(env, dataBuf.data(), kept));
  out.Set("addr", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&ss), msg.msg_namelen));
  out.Set("control", Napi::Buffer<uint8_t>::Copy(env, controlBuf.data(), msg.msg_controllen));
  out.Set("flags", Napi::Number::New(env, msg.msg_flags));
  out.Set("length", Napi::Number::New(env, static_cast<double>(n)));
  return out;
}

// Readiness watch on a descriptor through the Node event loop (level
// triggered: data left unread makes the callback fire again on the next loop
// turn, which is what lets the TS reader bound its burst per wake-up).
struct PollWatch {
  uv_poll_t handle;
  napi_env env;
  Napi::FunctionReference callback;
  bool stopped = false;
};

void OnPollClosed(uv_handle_t* h) { delete static_cast<PollWatch*>(h->data); }

void StopWatch(PollWatch* w) {
  if (w->stopped) return;
  w->stopped = true;
  uv_poll_stop(&w->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&w->handle), OnPollClosed);
}

void OnPollEvent(uv_poll_t* h, int status, int events) {
  auto* w = static_cast<PollWatch*>(h->data);
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  std::vector<napi_value> args;
  if (status < 0) {
    // The descriptor is unusable (e.g. closed under us): report once and stop.
    Napi::Error e = Napi::Error::New(env, std::string("poll: ") + uv_strerror(status));
    e.Set("errno", Napi::Number::New(env, -status));
    e.Set("code", Napi::String::New(env, ErrnoCode(-status)));
    e.Set("syscall", Napi::String::New(env, "poll"));
    args.push_back(e.Value());
    StopWatch(w);
  } else {
    args.push_back(env.Undefined());
    args.push_back(Napi::Number::New(env, events));
  }
  w->callback.MakeCallback(env.Global(), args);
  if (env.IsExceptionPending()) {
    Napi::Error err = env.GetAndClearPendingException();
    napi_fatal_exception(env, err.Value());
  }
}

// poll(fd, onEvent, events?) -> { stop(), ref(), unref() }. events is a UV_READABLE /
// UV_WRITABLE mask (default readable); onEvent(err, events). stop() before close(fd).
Napi::Value Poll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return ThrowErrno(env, "poll", EINVAL);
  auto* w = new PollWatch();
  w->env = env;
  w->handle.data = w;
  int rc = uv_poll_init(loop, &w->handle, IntArg(info, 0));
  if (rc < 0) {
    delete w;
    return ThrowErrno(env, "poll", -rc);
  }
  w->callback = Napi::Persistent(info[1].As<Napi::Function>());
  int events = info.Length() > 2 && info[2].IsNumber() ? IntArg(info, 2) : UV_READABLE;
  rc = uv_poll_start(&w->handle, events & (UV_READABLE | UV_WRITABLE), OnPollEvent);
  if (rc < 0) {
    w->stopped = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&w->handle), OnPollClosed);
    return ThrowErrno(env, "poll", -rc);
  }
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("stop", Napi::Function::New(env, [w](const Napi::CallbackInfo& i) {
    StopWatch(w);
    return i.Env().Undefined();
  }));
  handle.Set("ref", Napi::Function::New(env, [w](const Napi::CallbackInfo& i) {
    if (!w->stopped) uv_ref(reinterpret_cast<uv_handle_t*>(&w->handle));
    return i.Env().Undefined();
  }));
  handle.Set("unref", Napi::Function::New(env, [w](const Napi::CallbackInfo& i) {
    if (!w->stopped) uv_unref(reinterpret_cast<uv_handle_t*>(&w->handle));
    return i.Env().Undefined();
  }));
  return handle;
}

// Signal delivery through the Node event loop for any signal number. Node's
// process.on() knows only named signals; keepalived's JSON (SIGRTMIN+2) and
// STATS_CLEAR (SIGRTMAX-1) have no name in Node.
struct SignalWatch {
  uv_signal_t handle;
  napi_env env;
  Napi::FunctionReference callback;
  bool stopped = false;
};

void OnSignalClosed(uv_handle_t* h) { delete static_cast<SignalWatch*>(h->data); }

void OnSignal(uv_signal_t* h, int signum) {
  auto* w = static_cast<SignalWatch*>(h->data);
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  w->callback.MakeCallback(env.Global(), {Napi::Number::New(env, signum)});
  if (env.IsExceptionPending()) {
    Napi::Error err = env.GetAndClearPendingException();
    napi_fatal_exception(env, err.Value());
  }
}

// onSignal(signum, cb) -> { stop(), unref() }
Napi::Value OnSignalWatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return ThrowErrno(env, "sigaction", EINVAL);
  auto* w = new SignalWatch();
  w->env = env;
  w->handle.data = w;
  uv_signal_init(loop, &w->handle);
  int rc = uv_signal_start(&w->handle, OnSignal, IntArg(info, 0));
  if (rc < 0) {
    w->stopped = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&w->handle), OnSignalClosed);
    return ThrowErrno(env, "sigaction", -rc);
  }
  w->callback = Napi::Persistent(info[1].As<Napi::Function>());
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("stop", Napi::Function::New(env, [w](const Napi::CallbackInfo& i) {
    if (!w->stopped) {
      w->stopped = true;
      uv_signal_stop(&w->handle);
      uv_close(reinterpret_cast<uv_handle_t*>(&w->handle), OnSignalClosed);
    }
    return i.Env().Undefined();
  }));
  handle.Set("unref", Napi::Function::New(env, [w](const Napi::CallbackInfo& i) {
    if (!w->stopped) uv_unref(reinterpret_cast<uv_handle_t*>(&w->handle));
    return i.Env().Undefined();
  }));
  return handle;
}

// setns(fdOrPath, nstype). Linux namespaces are per thread: this moves only
// the JS main thread, which is where every socket of ours is created.
Napi::Value SetNs(const Napi::CallbackInfo& info) {
  int fd;
  bool opened = info[0].IsString();
  if (opened) {
    std::string path = info[0].As<Napi::String>().Utf8Value();
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ThrowErrno(info.Env(), "open", errno);
  } else {
    fd = IntArg(info, 0);
  }
  int rc = setns(fd, IntArg(info, 1));
  int err = errno;
  if (opened) close(fd);
  if (rc < 0) return ThrowErrno(info.Env(), "setns", err);
  return info.Env().Undefined();
}

Napi::Value SetParentDeathSignal(const Napi::CallbackInfo& info) {
  if (prctl(PR_SET_PDEATHSIG, IntArg(info, 0), 0, 0, 0) < 0) return ThrowErrno(info.Env(), "prctl", errno);
  return info.Env().Undefined();
}

// sched_setscheduler(0, policy, prio).
Napi::Value SchedSetScheduler(const Napi::CallbackInfo& info) {
  sched_param p{};
  p.sched_priority = IntArg(info, 1);
  if (sched_setscheduler(0, IntArg(info, 0), &p) < 0) return ThrowErrno(info.Env(), "sched_setscheduler", errno);
  return info.Env().Undefined();
}

// sched_setaffinity(0, set) from an array of CPU numbers.
Napi::Value SchedSetAffinity(const Napi::CallbackInfo& info) {
  auto cpus = info[0].As<Napi::Array>();
  cpu_set_t set;
  CPU_ZERO(&set);
  for (uint32_t i = 0; i < cpus.Length(); i++) {
    int cpu = cpus.Get(i).As<Napi::Number>().Int32Value();
    if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_SET(cpu, &set);
  }
  if (sched_setaffinity(0, sizeof(set), &set) < 0) return ThrowErrno(info.Env(), "sched_setaffinity", errno);
  return info.Env().Undefined();
}

// setpriority(PRIO_PROCESS, 0, nice).
Napi::Value SetPriority(const Napi::CallbackInfo& info) {
  if (setpriority(PRIO_PROCESS, 0, IntArg(info, 0)) < 0) return ThrowErrno(info.Env(), "setpriority", errno);
  return info.Env().Undefined();
}

// setrlimit(resource, soft, hard); -1 means RLIM_INFINITY.
Napi::Value SetRlimit(const Napi::CallbackInfo& info) {
  auto lim = [&](size_t i) {
    double v = info[i].As<Napi::Number>().DoubleValue();
    return v < 0 ? RLIM_INFINITY : static_cast<rlim_t>(v);
  };
  rlimit r{lim(1), lim(2)};
  if (setrlimit(static_cast<__rlimit_resource>(IntArg(info, 0)), &r) < 0) return ThrowErrno(info.Env(), "setrlimit", errno);
  return info.Env().Undefined();
}

Napi::Value MlockAll(const Napi::CallbackInfo& info) {
  if (mlockall(IntArg(info, 0)) < 0) return ThrowErrno(info.Env(), "mlockall", errno);
  return info.Env().Undefined();
}

Napi::Value IfNameToIndex(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  errno = 0;
  unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0) return ThrowErrno(info.Env(), "if_nametoindex", errno ? errno : ENODEV);
  return Napi::Number::New(info.Env(), idx);
}

Napi::Value IfIndexToName(const Napi::CallbackInfo& info) {
  char name[IF_NAMESIZE];
  if (!if_indextoname(static_cast<unsigned>(IntArg(info, 0)), name))
    return ThrowErrno(info.Env(), "if_indextoname", errno);
  return Napi::String::New(info.Env(), name);
}

Napi::Value SetProcessName(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (prctl(PR_SET_NAME, name.c_str(), 0, 0, 0) < 0) return ThrowErrno(info.Env(), "prctl", errno);
  return info.Env().Undefined();
}

// timerfdCreate(clockid) -> fd, always TFD_CLOEXEC | TFD_NONBLOCK.
Napi::Value TimerFdCreate(const Napi::CallbackInfo& info) {
  int fd = timerfd_create(IntArg(info, 0), TFD_CLOEXEC | TFD_NONBLOCK);
  if (fd < 0) return ThrowErrno(info.Env(), "timerfd_create", errno);
  return Napi::Number::New(info.Env(), fd);
}

// timerfdSetTime(fd, flags, sec, nsec): one-shot (no interval); 0/0 disarms.
// Seconds and nanoseconds travel apart: CLOCK_MONOTONIC in ns outgrows a
// double's exact range after ~104 days of uptime.
Napi::Value TimerFdSetTime(const Napi::CallbackInfo& info) {
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(info[2].As<Napi::Number>().Int64Value());
  spec.it_value.tv_nsec = static_cast<long>(info[3].As<Napi::Number>().Int64Value());
  if (timerfd_settime(IntArg(info, 0), IntArg(info, 1), &spec, nullptr) < 0)
    return ThrowErrno(info.Env(), "timerfd_settime", errno);
  return info.Env().Undefined();
}

// timerfdRead(fd) -> expirations since the last read; 0 when none (EAGAIN).
Napi::Value TimerFdRead(const Napi::CallbackInfo& info) {
  uint64_t expirations = 0;
  ssize_t n;
  do n = read(IntArg(info, 0), &expirations, sizeof expirations);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) return Napi::Number::New(info.Env(), 0);
    return ThrowErrno(info.Env(), "read", errno);
  }
  return Napi::Number::New(info.Env(), static_cast<double>(expirations));
}

// clockGetTime(clockid) -> [sec, nsec].
// getrusage(who) -> [user µs, system µs]; who 0 = RUSAGE_SELF, -1 = RUSAGE_CHILDREN
// (Node's process.resourceUsage() has no children's figures).
Napi::Value GetRusage(const Napi::CallbackInfo& info) {
  struct rusage ru;
  if (getrusage(IntArg(info, 0), &ru) < 0) return ThrowErrno(info.Env(), "getrusage", errno);
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), static_cast<double>(ru.ru_utime.tv_sec) * 1e6 + static_cast<double>(ru.ru_utime.tv_usec)));
  out.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(ru.ru_stime.tv_sec) * 1e6 + static_cast<double>(ru.ru_stime.tv_usec)));
  return out;
}

Napi::Value ClockGetTime(const Napi::CallbackInfo& info) {
  timespec ts{};
  if (clock_gettime(IntArg(info, 0), &ts) < 0) return ThrowErrno(info.Env(), "clock_gettime", errno);
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), static_cast<double>(ts.tv_sec)));
  out.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(ts.tv_nsec)));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("socket", Napi::Function::New(env, Socket));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("bind", Napi::Function::New(env, Bind));
  exports.Set("connect", Napi::Function::New(env, Connect));
  exports.Set("sendto", Napi::Function::New(env, SendTo));
  exports.Set("setsockopt", Napi::Function::New(env, SetSockOpt));
  exports.Set("setProcessName", Napi::Function::New(env, SetProcessName));
  exports.Set("getsockopt", Napi::Function::New(env, GetSockOpt));
  exports.Set("attachFilter", Napi::Function::New(env, AttachFilter));
  exports.Set("getsockname", Napi::Function::New(env, GetSockName));
  exports.Set("sendmsg", Napi::Function::New(env, SendMsg));
  exports.Set("recvmsg", Napi::Function::New(env, RecvMsg));
  exports.Set("poll", Napi::Function::New(env, Poll));
  exports.Set("setns", Napi::Function::New(env, SetNs));
  exports.Set("setParentDeathSignal", Napi::Function::New(env, SetParentDeathSignal));
  exports.Set("schedSetScheduler", Napi::Function::New(env, SchedSetScheduler));
  exports.Set("schedSetAffinity", Napi::Function::New(env, SchedSetAffinity));
  exports.Set("setPriority", Napi::Function::New(env, SetPriority));
  exports.Set("mlockall", Napi::Function::New(env, MlockAll));
  exports.Set("setrlimit", Napi::Function::New(env, SetRlimit));
  exports.Set("ifNameToIndex", Napi::Function::New(env, IfNameToIndex));
  exports.Set("ifIndexToName", Napi::Function::New(env, IfIndexToName));
  exports.Set("onSignal", Napi::Function::New(env, OnSignalWatch));
  exports.Set("timerfdCreate", Napi::Function::New(env, TimerFdCreate));
  exports.Set("timerfdSetTime", Napi::Function::New(env, TimerFdSetTime));
  exports.Set("timerfdRead", Napi::Function::New(env, TimerFdRead));
  exports.Set("clockGetTime", Napi::Function::New(env, ClockGetTime));
  exports.Set("getrusage", Napi::Function::New(env, GetRusage));
  return exports;
}

}  // namespace

NODE_API_MODULE(keepalived_native, Init)
