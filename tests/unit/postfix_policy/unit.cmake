# Unit tests of the Postfix policy delegation codec (src/postfix_policy).
backstop_unit_test(unit_postfix_policy postfix_policy/parser_test.cpp
                   postfix_policy/request_test.cpp)
target_link_libraries(unit_postfix_policy PRIVATE backstop_postfix_policy)
