using Engine.Onnx.Proto;
using Engine.Runtime;
using Google.Protobuf;

namespace Engine.Onnx;

/// <summary>Reads a .onnx file into its protobuf form, turning every failure into a one-line EngineException.</summary>
public static class OnnxModelFile
{
    public static ModelProto Read(string path)
    {
        if (Directory.Exists(path)) throw new EngineException($"{path}: is a folder, not a model file");
        if (!File.Exists(path)) throw new EngineException($"{path}: file not found");
        var length = new FileInfo(path).Length;
        if (length > OnnxImporter.MaxModelBytes)
            throw new EngineException($"{path}: {length} bytes is over the {OnnxImporter.MaxModelBytes}-byte limit");
        try
        {
            using var f = File.OpenRead(path);
            return ModelProto.Parser.ParseFrom(f);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new EngineException($"{path}: not a valid ONNX model ({e.Message.Split('\n')[0]})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException($"{path}: cannot read ({e.Message.Split('\n')[0]})");
        }
    }
}
