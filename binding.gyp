{
  "targets": [
    {
      "target_name": "classifier_training",
      "sources": [
        "native/addon.cc",
        "native/common.cc",
        "native/ops.cc",
        "native/tensor.cc",
        "native/autograd.cc",
        "native/runtime.cc",
        "native/distributed.cc",
        "native/optim.cc"
      ],
      "include_dirs": [
        "native/shim",
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "libraries": ["<!@(node scripts/find-libtorch.mjs libraries)"],
      "ldflags": ["<!@(node scripts/find-libtorch.mjs ldflags)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-stringop-overflow",
                    "<!@(node scripts/find-libtorch.mjs isystem)",
                    "<!@(node scripts/find-libtorch.mjs cxxflags)"]
    },
    {
      "target_name": "classifier_training_image",
      "sources": ["native/image/addon.cc", "native/image/augment-entries.cc", "native/image/jpeg.cc", "native/image/kernels.cc", "native/image/resize.cc", "native/image/warp.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "libraries": ["-ljpeg"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
