# libFuzzer target for the Postfix policy delegation codec (postfix_policy_fuzz.cpp).
# Included from tests/fuzz/CMakeLists.txt; needs the BACKSTOP_FUZZ (clang) build.
add_executable(fuzz_postfix_policy ${CMAKE_CURRENT_LIST_DIR}/postfix_policy_fuzz.cpp)
target_link_libraries(fuzz_postfix_policy PRIVATE backstop_postfix_policy)
target_link_options(fuzz_postfix_policy PRIVATE -fsanitize=fuzzer)
