# Unit tests of the report module (src/report).
backstop_unit_test(unit_report report/wire_test.cpp report/keys_test.cpp
                   report/verifier_test.cpp)
target_link_libraries(unit_report PRIVATE backstop_report)
