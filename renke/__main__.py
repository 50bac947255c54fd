from renke.cli import main

main()
