// The same checks for every JUnit version, on this project's reports.
return evaluate(new File(basedir, '../common/checks.groovy'))
