using System.CommandLine;
using Engine.Cli.Commands;

namespace Engine.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // The builder's zoo and Fashion-MNIST join the training library's registries before option help is built.
        Engine.Builder.Zoo.ZooRegistration.RegisterAll();
        var root = new RootCommand("Engine: a deep-learning compiler for .NET — import, optimize, compile, train and compress models.");
        foreach (var c in CommandCatalog.All()) root.Subcommands.Add(c);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, even when a message lists choices on separate lines.
            var messages = parse.Errors.Select(e => string.Join(" ", e.Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim())));
            Console.Error.WriteLine("engine: " + string.Join("; ", messages));
            return ExitCodes.BadInput;
        }
        return parse.Invoke();
    }
}
