package io.permafrost.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The job-jar execution of maven-shade-plugin in pom.xml, as the build runs it. */
public record ShadeConfig(String outputFile, List<String> excludes) {

    public static ShadeConfig read(Path pom) {
        try {
            Document doc =
                    DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
            NodeList executions = doc.getElementsByTagName("execution");
            for (int i = 0; i < executions.getLength(); i++) {
                Element e = (Element) executions.item(i);
                if (!"job-jar".equals(text(e, "id"))) {
                    continue;
                }
                Element artifactSet = (Element) e.getElementsByTagName("artifactSet").item(0);
                NodeList ex = artifactSet.getElementsByTagName("exclude");
                List<String> excludes = new ArrayList<>();
                for (int j = 0; j < ex.getLength(); j++) {
                    excludes.add(ex.item(j).getTextContent().trim());
                }
                String out = text(e, "outputFile").replace("${project.build.directory}", "target");
                return new ShadeConfig(out, List.copyOf(excludes));
            }
            throw new IllegalStateException("pom.xml has no job-jar execution");
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + pom, e);
        }
    }

    /** True when {@code groupId:artifactId} matches an exclude pattern ({@code *} wildcards). */
    public boolean excludes(String coordinates) {
        return excludes.stream().anyMatch(p -> matches(p, coordinates));
    }

    public static boolean matches(String pattern, String coordinates) {
        String regex = java.util.regex.Pattern.quote(pattern).replace("*", "\\E.*\\Q");
        return coordinates.matches(regex);
    }

    private static String text(Element e, String tag) {
        NodeList n = e.getElementsByTagName(tag);
        return n.getLength() == 0 ? null : n.item(0).getTextContent().trim();
    }
}
