from renke.cli import run

run()
