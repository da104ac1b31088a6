// handlebars' browser build: the same compiler as the package's main entry, without the main
// entry's hook that loads the fs module for .hbs files, so the pure core stays free of Node built-ins.
declare module "handlebars/dist/cjs/handlebars.js" {
  import Handlebars from "handlebars";
  export default Handlebars;
}
