# libFuzzer target for the DNS answer path (dns_fuzz.cpp). Included from
# tests/fuzz/CMakeLists.txt; needs the BACKSTOP_FUZZ (clang) build.
add_executable(fuzz_dns ${CMAKE_CURRENT_LIST_DIR}/dns_fuzz.cpp)
target_link_libraries(fuzz_dns PRIVATE backstop_dns)
target_link_options(fuzz_dns PRIVATE -fsanitize=fuzzer)
