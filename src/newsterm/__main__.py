from newsterm.cli import console

console()
