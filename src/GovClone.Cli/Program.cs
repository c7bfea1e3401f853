using GovClone.Cli;

return await GovCloneCli.RunAsync(args, new CliHost(Console.Out, Console.Error, Directory.GetCurrentDirectory(), null) { StartDetached = DetachedSpare.Start });
