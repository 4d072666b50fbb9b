using System.CommandLine;
using Engine.Cli.Commands;

namespace Engine.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Engine: a deep-learning compiler for .NET — import, optimize, compile, train and compress models.");
        foreach (var c in CommandCatalog.All()) root.Subcommands.Add(c);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            Console.Error.WriteLine("engine: " + string.Join("; ", parse.Errors.Select(e => e.Message)));
            return ExitCodes.BadInput;
        }
        return parse.Invoke();
    }
}
