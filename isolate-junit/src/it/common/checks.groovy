// Evaluated by the verify.groovy of each sample project (basedir is that project): every sample
// test must have ended as it must, and the run's worker images must be gone. Anything else fails
// the build.
import groovy.xml.XmlSlurper

def outcomes = [:]
def reports = new File(basedir, 'target/surefire-reports')
if (reports.isDirectory()) {
  reports.eachFileMatch(~/TEST-.*\.xml/) { file ->
    new XmlSlurper().parse(file).testcase.each { test ->
      def outcome = [kind: 'passed', type: '', message: '']
      for (kind in ['failure', 'error', 'skipped']) {
        def node = test."$kind"
        if (node.size() > 0) {
          outcome = [kind: kind, type: node.@type.text(), message: node.@message.text()]
          break
        }
      }
      outcomes["${test.@classname}#${test.@name}".toString()] = outcome
    }
  }
}

def samples = 'sample.IsolatedSampleTests'
def passed = [kind: 'passed']
def isolationFailure = { List says ->
  [kind: 'failure', type: 'dev.isolate.junit.IsolatedTestFailure', says: says]
}
def expected = [
  "$samples#passesInAChild": passed,
  "$samples#failsAnAssertion": [
    kind: 'failure', type: 'org.opentest4j.AssertionFailedError',
    says: ['the answer ==> expected: <42> but was: <54>']],
  "$samples#segfaultsInNativeCode": isolationFailure(
    ['STATUS_UNKNOWN CHILD_PROCESS_KILLED_BY_SIGNAL', 'SIGSEGV', 'crash frame']),
  "$samples#getsItsArgument(int)[1]": passed,
  "$samples#getsItsArgument(int)[2]": passed,
  "$samples#getsItsArgument(int)[3]": passed,
  "$samples#seesItsJvmOption": passed,
  "$samples#dynamicTests()[1]": passed,
  "$samples#dynamicTests()[2]": isolationFailure(
    ["dynamic test 'plainLambdaDynamicTest' did not run", '(Executable & Serializable)']),
  "$samples\$NestedSampleTests#inheritsTheIsolation": passed,
  'sample.VersionTests#runsOnThisProjectsJUnit': passed,
].collectEntries { name, outcome -> [(name.toString()): outcome] }

def problems = []
expected.each { name, want ->
  def got = outcomes[name]
  if (got == null) {
    problems << "$name: did not run"
  } else if (got.kind != want.kind || (want.type && got.type != want.type)) {
    problems << "$name: expected ${want.kind} ${want.type ?: ''}, got ${got.kind} ${got.type}: ${got.message}"
  } else {
    want.says?.each { text ->
      if (!got.message.contains(text)) {
        problems << "$name: the message does not say \"$text\": ${got.message}"
      }
    }
  }
}
(outcomes.keySet() - expected.keySet()).each { problems << "$it: not expected (${outcomes[it].kind})" }

// WorkerWatch's report: the worker images of both settings were seen, and none outlived the run.
def reportFile = new File(basedir, 'target/worker-report.properties')
if (!reportFile.isFile()) {
  problems << 'WorkerWatch wrote no report: the test run did not end normally'
} else {
  def report = new Properties()
  reportFile.withInputStream { report.load(it) }
  if ((report.seen as int) < 2) {
    problems << "WorkerWatch saw ${report.seen} worker images; two settings ask for two"
  }
  if ((report.alive as int) != 0) {
    problems << "${report.alive} worker images outlived the test run: its isolators were not closed"
  }
}

if (problems) {
  throw new AssertionError("${basedir.name}: " + problems.join('\n  '))
}
println "${basedir.name}: all ${expected.size()} sample tests ended as they must; no worker image outlived the run"
return true
