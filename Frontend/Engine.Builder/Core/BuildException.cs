using Engine.Runtime;

namespace Engine.Builder;

/// <summary>A model definition error found at build time (wrong shape, bad argument), naming the layer.</summary>
public sealed class BuildException(string message) : EngineException(message)
{
    public static BuildException For(Layer layer, string message) => new($"layer '{layer.Name}' ({layer.TypeName}): {message}");
}
