# libFuzzer target for the report wire format and verifier (report_fuzz.cpp).
add_executable(fuzz_report ${CMAKE_CURRENT_LIST_DIR}/report_fuzz.cpp)
target_link_libraries(fuzz_report PRIVATE backstop_report)
target_link_options(fuzz_report PRIVATE -fsanitize=fuzzer)
