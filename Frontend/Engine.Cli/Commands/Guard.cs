using Engine.Runtime;

namespace Engine.Cli.Commands;

/// <summary>Runs a command body, turning user-facing failures into one line on stderr and exit code 2.</summary>
public static class Guard
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (EngineException e)
        {
            Console.Error.WriteLine("engine: " + e.Message.Split('\n')[0]);
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("engine: " + e.Message.Split('\n')[0]);
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is not OutOfMemoryException and not StackOverflowException)
        {
            // A bug of ours, not the user's: still one line, never a stack trace (ENGINE_TRACE=1 shows it).
            Console.Error.WriteLine($"engine: internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            if (Environment.GetEnvironmentVariable("ENGINE_TRACE") == "1") Console.Error.WriteLine(e);
            return ExitCodes.BadInput;
        }
    }
}
