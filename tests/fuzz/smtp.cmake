# libFuzzer target for the SMTP server session and its command parser (smtp_fuzz.cpp).
# Included from tests/fuzz/CMakeLists.txt; needs the BACKSTOP_FUZZ (clang) build.
add_executable(fuzz_smtp_session ${CMAKE_CURRENT_LIST_DIR}/smtp_fuzz.cpp)
target_link_libraries(fuzz_smtp_session PRIVATE backstop_smtp)
target_link_options(fuzz_smtp_session PRIVATE -fsanitize=fuzzer)
