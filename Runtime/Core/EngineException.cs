namespace Engine.Runtime;

/// <summary>
/// A user-facing failure: bad model, bad input, unsupported feature. The message is one line that
/// names the model, node or field; the CLI prints it and exits with code 2, never a stack trace.
/// </summary>
public class EngineException : Exception
{
    public EngineException(string message) : base(message) { }

    public EngineException(string message, Exception inner) : base(message, inner) { }
}
