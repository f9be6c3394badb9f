# libFuzzer target for the milter codec (milter_fuzz.cpp). Included from
# tests/fuzz/CMakeLists.txt; needs the BACKSTOP_FUZZ (clang) build.
add_executable(fuzz_milter ${CMAKE_CURRENT_LIST_DIR}/milter_fuzz.cpp)
target_link_libraries(fuzz_milter PRIVATE backstop_milter)
target_link_options(fuzz_milter PRIVATE -fsanitize=fuzzer)
