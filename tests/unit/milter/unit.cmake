# Unit tests of the milter codec (src/milter).
backstop_unit_test(unit_milter milter/decoder_test.cpp milter/reply_test.cpp
                   milter/negotiate_test.cpp milter/miltertest_interop_test.cpp)
target_link_libraries(unit_milter PRIVATE backstop_milter)
