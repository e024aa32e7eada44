/* The C function table every backend shared object (TORCH, ONNX, TF, TFLITE) implements.
 * Plain C so that no C++ exception, allocator or ABI detail crosses it: a failure is a non-zero
 * code and a one-line message written into the caller's SBError. Tensors cross as DLPack
 * managed tensors; ownership rules are stated per function. */
#ifndef STORMBREAKER_BACKEND_API_H
#define STORMBREAKER_BACKEND_API_H

#include <stddef.h>
#include <stdint.h>

#include <dlpack/dlpack.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change; a backend built for another version is refused. */
#define SB_BACKEND_API_VERSION 3

/* Element type codes beyond DLPack 0.6 (RedisAI's numbering, see native/core/dtype.h). */
#define SB_DL_BOOL 6
#define SB_DL_STRING 7

typedef struct SBError {
  int code; /* 0: no error */
  char message[1024];
} SBError;

/* A command's reply, as the host hands it to a script (redis.execute). */
typedef enum SBReplyType { SB_REPLY_NIL = 0, SB_REPLY_STRING, SB_REPLY_INTEGER, SB_REPLY_ARRAY, SB_REPLY_ERROR } SBReplyType;
typedef struct SBReply {
  SBReplyType type;
  long long integer;
  const char* str; /* STRING and ERROR: bytes (not NUL-terminated) */
  size_t len;      /* STRING/ERROR: byte count; ARRAY: element count */
  const struct SBReply* elements;
} SBReply;

/* What a script may ask of the host while it runs on a device thread. Each call blocks that
 * thread until the host has answered; `context` is the host's own. */
typedef struct SBHostApi {
  void* context;
  /* Runs a command. On success *reply stays valid until release_reply. */
  int (*execute)(void* context, const char* const* argv, const size_t* argv_len, size_t argc, const SBReply** reply,
                 SBError* err);
  void (*release_reply)(void* context, const SBReply* reply);
  /* Runs a stored model on the calling thread; inputs borrowed, outputs as in model_run. */
  int (*model_execute)(void* context, const char* key, size_t key_len, DLManagedTensor* const* inputs, size_t n_inputs,
                       DLManagedTensor** outputs, size_t max_outputs, size_t* n_outputs, SBError* err);
} SBHostApi;

typedef struct SBModel SBModel;   /* a loaded model, owned by the backend */
typedef struct SBScript SBScript; /* a compiled script, owned by the backend */

typedef struct SBModelOptions {
  const char* device;   /* upper-cased device string: "CPU", "GPU:0", ... */
  int64_t batchsize;    /* stored settings; batching happens in the core */
  int64_t intra_op_threads;
  int64_t inter_op_threads;
  /* TF only: node names; NULL/0 for other backends. */
  const char* const* input_names;
  size_t n_inputs;
  const char* const* output_names;
  size_t n_outputs;
  /* ONNX and TORCH: a run longer than this many ms is stopped (0: no limit). */
  int64_t execution_timeout_ms;
  /* ONNX: bytes all CPU sessions together may allocate (0: no limit). */
  int64_t memory_limit_bytes;
} SBModelOptions;

/* Where a backend sends its library's own messages (warnings, error details) instead of writing
 * them to the server's stderr: the host puts them in the server's log. Any thread may call it. */
typedef void (*SBLogFn)(const char* backend, const char* line);

typedef struct SBBackendApi {
  uint32_t api_version; /* SB_BACKEND_API_VERSION */
  const char* name;     /* "TORCH", "ONNX", ... */
  /* The library's own version text (for INFO), e.g. "1.13.1". */
  const char* (*version)(void);

  /* Loads a model from an in-memory blob. On success *out is set. */
  int (*model_create)(const void* blob, size_t length, const SBModelOptions* options, SBModel** out, SBError* err);
  void (*model_free)(SBModel* model);
  /* Input and output names as the model declares them (may be empty strings); the strings
   * belong to the model and live as long as it. */
  size_t (*model_input_count)(const SBModel* model);
  const char* (*model_input_name)(const SBModel* model, size_t i);
  size_t (*model_output_count)(const SBModel* model);
  const char* (*model_output_name)(const SBModel* model, size_t i);
  /* Runs the model. Inputs are borrowed: the backend must not call their deleters and must not
   * keep them past the call. On success outputs[0..*n_outputs) are new managed tensors, each
   * CPU-resident, compact row-major, 64-byte aligned, that the caller releases through its
   * deleter. `max_outputs` is the room in `outputs`. */
  int (*model_run)(SBModel* model, DLManagedTensor* const* inputs, size_t n_inputs, DLManagedTensor** outputs,
                   size_t max_outputs, size_t* n_outputs, SBError* err);

  /* Scripts (TORCH only; NULL elsewhere). */
  int (*script_create)(const char* source, const char* device, SBScript** out, SBError* err);
  void (*script_free)(SBScript* script);
  /* 0 when `fn` exists with the entry-point signature (List[Tensor], List[str], List[str]);
   * otherwise non-zero with the reason in err. */
  int (*script_check_entry_point)(const SBScript* script, const char* fn, SBError* err);
  /* Calls `fn`. As an entry point (entry != 0) it gets the inputs as one List[Tensor], plus the
   * keys and args; otherwise its parameters are bound from the inputs by position (a List[Tensor]
   * parameter takes the rest). Inputs are borrowed as in model_run. With max_outputs == 0 the
   * return value is ignored; otherwise its tensors are returned as in model_run. A call still
   * running after `execution_timeout_ms` (0: no limit) is stopped with an error. */
  int (*script_run)(SBScript* script, const char* fn, int entry, DLManagedTensor* const* inputs, size_t n_inputs,
                    const char* const* keys, size_t n_keys, const char* const* args, size_t n_args,
                    const SBHostApi* host, int64_t execution_timeout_ms, DLManagedTensor** outputs, size_t max_outputs,
                    size_t* n_outputs, SBError* err);
  /* Memory the backend's own allocator holds, and how many allocations and frees it served; non-zero when
   * the backend does not track them (NULL: never tracked). */
  int (*memory_stats)(uint64_t* bytes_in_use, uint64_t* allocations);
  /* Labels of an output's columns, when the backend made the output from something that named
   * them (ONNX: a ZipMap's class labels); 0 labels otherwise. Strings live as long as the model.
   * NULL: the backend never labels outputs. */
  size_t (*model_output_label_count)(const SBModel* model, size_t output);
  const char* (*model_output_label)(const SBModel* model, size_t output, size_t i);
  /* Called once, right after loading: where the backend's library messages go. NULL: the
   * backend has none to route. */
  void (*set_log)(SBLogFn log);
  /* The library's own version when version() must say what RedisAI said instead (TORCH: "NA");
   * NULL: version() is it. */
  const char* (*library_version)(void);
} SBBackendApi;

/* The one symbol a backend exports: returns its table, or NULL when it cannot serve a host of
 * `host_api_version`. */
typedef const SBBackendApi* (*SBGetBackendApiFn)(uint32_t host_api_version);
#define SB_GET_BACKEND_API_SYMBOL "sb_get_backend_api"

#ifdef __cplusplus
}
#endif

#endif /* STORMBREAKER_BACKEND_API_H */
