import PLMCommands

PLM.main()
