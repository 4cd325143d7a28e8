# Runs `switchyard route --check` and compares its standard output, standard
# error and exit status with what the test expects.
#   SWITCHYARD       the program
#   ARGS             its arguments after "route", separated by '|'
#   EXPECTED_STATUS  exit status
#   EXPECTED_STDOUT  file whose content standard output must equal (optional)
#   EXPECTED_STDERR  text that standard error must equal, without the newline (optional)
string(REPLACE "|" ";" args "${ARGS}")
execute_process(
  COMMAND ${SWITCHYARD} route ${args}
  RESULT_VARIABLE status
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)

if(NOT status STREQUAL EXPECTED_STATUS)
  message(FATAL_ERROR "exit status ${status}, expected ${EXPECTED_STATUS}\nstderr: ${err}")
endif()
if(DEFINED EXPECTED_STDOUT)
  file(READ ${EXPECTED_STDOUT} expected_out)
  if(NOT out STREQUAL expected_out)
    message(FATAL_ERROR "standard output differs from ${EXPECTED_STDOUT}:\n${out}")
  endif()
endif()
if(DEFINED EXPECTED_STDERR)
  string(STRIP "${err}" err_line)
  if(NOT err_line STREQUAL EXPECTED_STDERR)
    message(FATAL_ERROR "standard error is\n${err_line}\nexpected\n${EXPECTED_STDERR}")
  endif()
endif()
